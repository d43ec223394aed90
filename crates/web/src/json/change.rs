//! Creates and updates: the record's fields apart from its bookkeeping, and
//! the version an update is based on.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

use super::{body, err, path_problem};

/// A create or update body: the record's fields, plus why it changes and,
/// for updates, the version the client last saw. (Read by [`change`]; the
/// derives give the document the schema of a creation.)
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Change<T> {
    #[serde(flatten)]
    pub(crate) input: T,
    #[schema(ignore)]
    pub(crate) version: Option<i64>,
    /// Why, kept in the record's history.
    #[schema(schema_with = accompany_domain::limits::schema::reason_opt)]
    pub(crate) reason: Option<String>,
}

/// An update body as the document shows it: the record's fields, why, and
/// the version read, which is required (the API also takes it as `If-Match`
/// with the `ETag` of the read instead).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used: bodies are read by `change`
pub(crate) struct Update<T> {
    #[serde(flatten)]
    pub(crate) input: T,
    /// The version last read: a stale one is refused (409).
    pub(crate) version: i64,
    /// Why, kept in the record's history.
    #[schema(schema_with = accompany_domain::limits::schema::reason_opt)]
    pub(crate) reason: Option<String>,
}

/// Read a [`Change`]: the two bookkeeping fields are taken out first so that
/// errors in the record's own fields keep their path (`demographics.faith`).
pub(crate) fn change<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<Change<T>, Problem> {
    let mut value: serde_json::Value = body(headers, bytes)?;
    let field_problem = |field: &str, message: &str| {
        let mut p = Problem::bad_body(format!("{field}: {message}"));
        p.errors.push(accompany_domain::FieldError::new(field, "body", message));
        p
    };
    let Some(object) = value.as_object_mut() else {
        return Err(Problem::bad_body("the body must be a JSON object".into()));
    };
    let version = match object.remove("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| field_problem("version", "must be a whole number, the version you last read"))?),
    };
    let reason = match object.remove("reason") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(field_problem("reason", "must be text")),
    };
    if let Some(r) = &reason {
        let mut errs = accompany_domain::Invalid::default();
        accompany_domain::limits::check_text(&mut errs, "reason", r, accompany_domain::limits::text::REASON);
        errs.finish()?;
    }
    let input = serde_path_to_error::deserialize(value).map_err(path_problem)?;
    Ok(Change { input, version, reason })
}

/// The version an update is based on: `If-Match` with the `ETag` of a read,
/// or the body's `version`.
pub(crate) struct Precondition {
    pub(crate) version: i64,
    if_match: bool,
    /// Neither was sent: the update is refused (428) once the store has
    /// found it allowed and valid, so that a refusal still says 403 or 404.
    missing: bool,
}

/// Every update names the version it was based on; one with neither
/// `If-Match` nor `version` is refused (428), so that no change silently
/// overwrites another.
pub(crate) fn precondition(headers: &HeaderMap, body_version: Option<i64>) -> Result<Precondition, Problem> {
    // An empty If-Match is read as none.
    if let Some(v) = headers.get(header::IF_MATCH).filter(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace)) {
        let text = v.to_str().unwrap_or("").trim();
        let text = text.strip_prefix("W/").unwrap_or(text);
        let version = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<i64>().ok()).ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-if-match",
                "If-Match could not be read",
                "send the ETag of your last read, e.g. If-Match: \"3\"",
            )
        })?;
        return Ok(Precondition { version, if_match: true, missing: false });
    }
    Ok(match body_version {
        Some(version) => Precondition { version, if_match: false, missing: false },
        // No record has this version, so the store answers with a conflict.
        None => Precondition { version: i64::MIN, if_match: false, missing: true },
    })
}

/// A stale version: 412 when it came in `If-Match`, 409 when in the body.
pub(crate) fn stale(e: accompany_store::StoreError, p: &Precondition) -> Problem {
    match e {
        accompany_store::StoreError::Conflict { .. } if p.missing => Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "version-required",
            "The version you read is required",
            "send If-Match with the ETag of your last read, or `version` in the body, so that no one else's change is overwritten",
        ),
        accompany_store::StoreError::Conflict { current } if p.if_match => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The record changed",
            format!("the record is now version {current}; read it again (new ETag) and apply your change again"),
        ),
        other => err(other),
    }
}
