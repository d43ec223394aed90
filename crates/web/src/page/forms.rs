//! Forms: the session's token on every form, each field's problem, the
//! error summary, and what follows a change.

use std::collections::HashMap;

use accompany_domain::FieldError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::problem::AppError;

use super::{page_error, render, PageResult};

/// A form that carries nothing but the session's token.
#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// A page whose form shows each field's problem: templates call
/// `self.error("field")` and `self.has_error("field")`.
pub trait FieldErrors {
    /// Field name to its translated problem.
    fn field_errors(&self) -> &HashMap<String, String>;

    fn error(&self, field: &str) -> String {
        self.field_errors().get(field).cloned().unwrap_or_default()
    }

    fn has_error(&self, field: &str) -> bool {
        self.field_errors().contains_key(field)
    }
}

/// A form's page, 422 while it shows problems; an error page if it could not be built.
pub fn form_page(page: Result<impl Template, AppError>, invalid: bool) -> PageResult {
    let mut r = render(page?);
    if invalid {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// Every form carries the session's token; without it the form is refused.
pub fn csrf_refused(s: &Signed, csrf: &str) -> Option<Response> {
    (!s.check_csrf(Some(csrf))).then(|| page_error(s, AppError::Forbidden(s.tr.t("error-csrf"))))
}

/// After a form's change: on to `done`; the form again with its problems; or
/// an error page for any other failure.
pub async fn saved_or_form<T, R: IntoResponse, F: std::future::Future<Output = R>>(
    s: &Signed,
    saved: Result<T, impl Into<AppError>>,
    done: &str,
    form: impl FnOnce(Vec<FieldError>) -> F,
) -> Response {
    match saved.map_err(Into::into) {
        Ok(_) => Redirect::to(done).into_response(),
        Err(AppError::Invalid(errors)) => form(errors).await.into_response(),
        Err(other) => page_error(s, other),
    }
}

/// After a change without a form to show again: on to `done`, or an error page.
pub fn done_or_error<T>(s: &Signed, result: Result<T, impl Into<AppError>>, done: &str) -> Response {
    match result {
        Ok(_) => Redirect::to(done).into_response(),
        Err(e) => page_error(s, e),
    }
}

pub fn errors_by_field(t: &Tr, errors: &[FieldError]) -> HashMap<String, String> {
    errors.iter().map(|e| (e.field.clone(), t.field_error(e))).collect()
}

/// The summary's rows: anchor, label, problem. Fields of a goal's steps
/// (`steps[1].text`) are named "Step 2".
pub fn error_list(t: &Tr, errors: &[FieldError]) -> Vec<(String, String, String)> {
    errors
        .iter()
        .map(|e| {
            let label = match e.field.strip_prefix("steps[").and_then(|r| r.split(']').next()).and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => t.t1("ct-step-n", "n", n + 1),
                None => t.field_label(&e.field),
            };
            (e.field.replace(['[', ']', '.'], "-"), label, t.field_error(e))
        })
        .collect()
}

pub type ErrorList = Vec<(String, String, String)>;

pub fn anchored_error_list(t: &Tr, errors: &[FieldError], anchor: impl Fn(&str) -> &'static str) -> ErrorList {
    errors
        .iter()
        .map(|e| {
            let field = e.field.rsplit('.').next().unwrap_or(&e.field);
            let a = anchor(field);
            (a.to_string(), t.t(&format!("booking-field-{}", a.replace('_', "-"))), t.field_error(e))
        })
        .collect()
}
