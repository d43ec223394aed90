//! The JSON API's kit: bodies and queries are parsed here into domain
//! inputs; every failure is problem+json naming the field at fault.

mod change;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::problem::{AppError, Problem};

pub(crate) use change::{change, precondition, stale, Change, Update};

pub(crate) type ApiResult = Result<Response, Problem>;

/// Every version of a record, oldest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Versions {
    pub(crate) versions: Vec<accompany_store::VersionEntry>,
}

/// Parse a JSON body, naming the field at fault when it does not fit.
pub(crate) fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Problem> {
    let json_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if !json_type {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "media-type",
            "JSON expected",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Problem::bad_body(e.to_string()))?;
    whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(path_problem)
}

/// JSON does not tell `3` from `3.0`: a number with nothing after the point
/// is read as the whole number it is, wherever a whole number is expected.
/// (And NUL in text is read as U+FFFD.)
const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;

fn whole_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            // A whole f64 inside the i64 range is that integer exactly (-2^63 is; 2^63 is not).
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && *f >= -TWO_TO_63 && *f < TWO_TO_63) {
                *v = serde_json::Value::from(f as i64);
            }
        }
        // No database column may hold NUL: it is read as the replacement
        // character, which no text field accepts and no id matches.
        serde_json::Value::String(text) if text.contains('\0') => *text = text.replace('\0', "\u{FFFD}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A JSON body as an extractor (the last argument of a handler), read and
/// refused as [`body`] does.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        body(&headers, &bytes).map(JsonBody).map_err(IntoResponse::into_response)
    }
}

/// A body that does not fit, as a problem naming the field at fault.
pub(crate) fn path_problem<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Problem {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    let field = if path != "." {
        Some(path)
    } else {
        // serde reports a missing field at the enclosing object.
        message.split('`').nth(1).filter(|_| message.starts_with("missing field")).map(str::to_string)
    };
    let mut p = Problem::bad_body(message.clone());
    if let Some(field) = field {
        p.errors.push(accompany_domain::FieldError::new(field, "body", message));
    }
    p
}

pub(crate) fn query<T: DeserializeOwned + Default>(raw: Option<String>) -> Result<T, Problem> {
    match raw {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(&q)
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "bad-query", "The query string could not be read", e.to_string())),
    }
}

pub(crate) fn ok<T: serde::Serialize>(status: StatusCode, v: T) -> ApiResult {
    Ok((status, Json(v)).into_response())
}

pub(crate) fn err(e: impl Into<AppError>) -> Problem {
    Problem::from(e.into())
}

/// The page size asked for: 1 to 500, `default` when left out.
pub(crate) fn page_size(limit: Option<u32>, default: u32) -> Result<u32, Problem> {
    match limit {
        None => Ok(default),
        Some(n @ 1..=500) => Ok(n),
        Some(_) => Err(err(AppError::Invalid(vec![accompany_domain::FieldError::new("limit", "out-of-range", "must be between 1 and 500")]))),
    }
}

/// A new record: 201 with its JSON and where to read it (`Location`).
pub(crate) fn created<T: serde::Serialize>(location: String, v: T) -> ApiResult {
    let mut r = (StatusCode::CREATED, Json(v)).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// 429 with the seconds to wait, in the body and in `Retry-After`.
pub(crate) fn throttled(seconds: i64, detail: String) -> Response {
    let mut r = Problem::new(StatusCode::TOO_MANY_REQUESTS, "throttled", "Too many attempts", detail).into_response();
    if let Ok(v) = seconds.max(1).to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A record as JSON with its version as the `ETag`.
pub(crate) fn tagged<T: serde::Serialize>(status: StatusCode, v: T) -> ApiResult {
    let value = serde_json::to_value(v).map_err(|e| err(AppError::Internal(e.to_string())))?;
    let etag = value.get("version").and_then(serde_json::Value::as_i64).map(|n| format!("\"{n}\""));
    let mut r = (status, Json(value)).into_response();
    if let Some(v) = etag.and_then(|e| e.parse().ok()) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}
