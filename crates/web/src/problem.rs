//! One place turns errors into responses: RFC 9457 problem+json for the API
//! (pages use the same `AppError` and render it as HTML).

use accompany_domain::FieldError;
use accompany_store::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Refused by the policy; the reason is English, for API clients and logs.
    Denied(String),
    /// Refused, with a message already in the reader's language.
    Forbidden(String),
    Invalid(Vec<FieldError>),
    Conflict(String),
    /// Too many requests from one address.
    Throttled,
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Denied(why) => AppError::Denied(why.to_string()),
            StoreError::Invalid(i) => AppError::Invalid(i.0),
            StoreError::Duplicate { field } => AppError::Invalid(vec![FieldError::new(field, "duplicate", "is already used by another record")]),
            StoreError::Conflict { .. } => AppError::Conflict(e.to_string()),
            StoreError::Throttled => AppError::Throttled,
            other => {
                tracing::error!(error = %other, "request failed");
                AppError::Internal("the server could not complete the request; try again, and tell an administrator if it persists".into())
            }
        }
    }
}

impl From<accompany_domain::Invalid> for AppError {
    fn from(e: accompany_domain::Invalid) -> AppError {
        AppError::Invalid(e.0)
    }
}

/// An RFC 9457 problem: every refusal and failure of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem { kind: format!("/problems/{slug}"), title: title.to_string(), status: status.as_u16(), detail: detail.into(), errors: vec![] }
    }
    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign-in required",
            "sign in with POST /api/v1/auth/login or send Authorization: Bearer TOKEN (make one with `accompany token create --user NAME`)",
        )
    }
    pub fn forbidden(detail: &str) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not permitted", detail)
    }
    pub fn bad_body(detail: String) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-body", "The request body could not be read", detail)
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Problem {
        match e {
            AppError::NotFound => Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such record, or you may not see it"),
            AppError::Denied(why) | AppError::Forbidden(why) => Problem::forbidden(&why),
            AppError::Invalid(errors) => {
                let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                let all = |codes: &[&str]| !errors.is_empty() && errors.iter().all(|e| codes.contains(&e.code));
                let p = if all(STATE_CODES) {
                    Problem::new(StatusCode::CONFLICT, "state", "The records do not allow it", detail)
                } else if all(NOT_YOURS_CODES) {
                    Problem::new(StatusCode::FORBIDDEN, "not-yours-to-change", "Not yours to change", detail)
                } else {
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Some fields need fixing", detail)
                };
                Problem { errors, ..p }
            }
            AppError::Conflict(d) => Problem::new(StatusCode::CONFLICT, "conflict", "The record changed", d),
            AppError::Throttled => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "Too many requests",
                "too many requests from this address; try again in an hour",
            ),
            AppError::Internal(d) => Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Server error", d),
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        Problem::from(AppError::from(e))
    }
}

/// Field errors that come of the records held, not of how the request is
/// written (a value another record holds, a record named that does not
/// exist, a state that does not allow the change): the API answers them
/// 409, as the request is well formed and the records disagree.
const STATE_CODES: &[&str] = &[
    "duplicate",
    "already-decided",
    "already-ended",
    "not-a-plan",
    "no-such-organization",
    "no-such-user",
    "no-such-member",
    "no-such-peer",
    "no-such-meeting",
    "has-account",
    "peer-full",
    "supervisor",
    "already-on-team",
    "cannot-take-role",
    "recipient",
    "no-contact-on-record",
    "code-invalid",
    "username-taken",
    "no-preferences",
    "no-eligible-peer",
    "already-your-peer",
    "no-peer",
    "not-your-peer",
    "masshealth-for-enrolment",
    "worker-busy",
    "member-busy",
    "session-cancelled",
    "outside-availability",
    "modality-unavailable",
    "already-ended",
    "npi-needs-billing",
    "not-a-funder",
    "not-the-agencys-payer",
    "nothing-billable",
    "already-imported",
    "already-submitted",
    "not-correctable",
    "already-billed",
    "needs-provider-ids",
];

/// Field errors that say the caller may not change the field: 403.
const NOT_YOURS_CODES: &[&str] = &["ask-coordinator"];

impl From<accompany_domain::Invalid> for Problem {
    fn from(e: accompany_domain::Invalid) -> Problem {
        Problem::from(AppError::from(e))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
