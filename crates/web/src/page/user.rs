//! Who is on a page: a signed-in person, or a redirect to sign in.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{identify, language, urlencode, Signed};
use crate::AppState;

use super::ReaderLanguage;

/// A signed-in person on a page; others are sent to sign in.
pub struct PageUser(pub Signed);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match identify(parts, state).await {
            Ok(Some(s)) => {
                if let Some(reader) = parts.extensions.get::<ReaderLanguage>() {
                    reader.set(&s.tr);
                }
                Ok(PageUser(s))
            }
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = format!("/login?next={}", urlencode(next));
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(super::error_page(&language(&parts.headers, None), e.into())),
        }
    }
}
