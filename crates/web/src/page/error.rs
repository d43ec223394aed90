//! The error page, in the reader's language.

use std::sync::{Arc, Mutex, OnceLock};

use accompany_store::StoreError;
use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{language, Lang, Signed};
use crate::i18n::Tr;
use crate::problem::AppError;

use super::{render, Layout};

#[derive(Template)]
#[template(path = "page/error.html")]
struct ErrorPage {
    l: Layout,
    heading: String,
    message: String,
    /// (field, translated problem)
    fields: Vec<(String, String)>,
}

pub fn error_page(t: &Tr, e: AppError) -> Response {
    let (status, heading, message, fields) = match e {
        AppError::NotFound => (StatusCode::NOT_FOUND, t.t("error-not-found"), t.t("error-not-found-detail"), vec![]),
        AppError::Denied(_) => (StatusCode::FORBIDDEN, t.t("error-forbidden"), t.t("error-forbidden-detail"), vec![]),
        AppError::Forbidden(message) => (StatusCode::FORBIDDEN, t.t("error-forbidden"), message, vec![]),
        AppError::Invalid(f) => (StatusCode::UNPROCESSABLE_ENTITY, t.t("error-invalid"), t.t("error-invalid-detail"), f),
        AppError::Conflict(_) => (StatusCode::CONFLICT, t.t("error-conflict"), t.t("error-conflict-detail"), vec![]),
        AppError::Throttled => (StatusCode::TOO_MANY_REQUESTS, t.t("error-throttled"), t.t("error-throttled-detail"), vec![]),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, t.t("error-internal"), t.t("error-internal-detail"), vec![]),
    };
    let l = Layout::new(t, None, "", heading.clone());
    let fields = fields.iter().map(|f| (f.field.clone(), t.field_error(f))).collect();
    let mut r = render(ErrorPage { l, heading, message, fields });
    *r.status_mut() = status;
    r
}

pub fn page_error(s: &Signed, e: impl Into<AppError>) -> Response {
    error_page(&s.tr, e.into())
}

pub async fn not_found(Lang(t): Lang) -> Response {
    error_page(&t, AppError::NotFound)
}

/// A page that could not be shown, so that handlers may use `?`: the error
/// page in the reader's language, as [`show_failures`] renders it.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError(e.into())
    }
}

impl From<accompany_domain::Invalid> for PageError {
    fn from(e: accompany_domain::Invalid) -> PageError {
        PageError(e.into())
    }
}

/// A page's result: the page, or the error page.
pub type PageResult = Result<Response, PageError>;

/// The failure a handler returned, on its way to [`show_failures`].
#[derive(Clone)]
struct Failure(Arc<Mutex<Option<AppError>>>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        r.extensions_mut().insert(Failure(Arc::new(Mutex::new(Some(self.0)))));
        r
    }
}

/// The language of whoever is signed in, once a page knows who is reading.
#[derive(Clone, Default)]
pub struct ReaderLanguage(Arc<OnceLock<Tr>>);

impl ReaderLanguage {
    pub fn set(&self, t: &Tr) {
        let _ = self.0.set(t.clone());
    }
}

/// Render a handler's [`PageError`] as the error page, in the language of
/// whoever is signed in, or the request's.
pub async fn show_failures(mut req: Request, next: Next) -> Response {
    let reader = ReaderLanguage::default();
    req.extensions_mut().insert(reader.clone());
    let fallback = language(req.headers(), None);
    let r = next.run(req).await;
    let failure = r.extensions().get::<Failure>().and_then(|f| f.0.lock().ok()?.take());
    match failure {
        Some(e) => error_page(reader.0.get().unwrap_or(&fallback), e),
        None => r,
    }
}
