//! The frame every page shares: language, who is signed in, navigation.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use accompany_store::User;

use crate::auth::Signed;
use crate::i18n::{Tr, SHIPPED};

/// What every page's frame needs: language, who is signed in, navigation.
pub struct Layout {
    pub t: Tr,
    pub user: Option<User>,
    pub csrf: String,
    pub path: String,
    pub title: String,
    /// The person may open emergency access.
    pub emergency: bool,
}

impl Layout {
    pub fn new(t: &Tr, user: Option<&Signed>, path: &str, title: String) -> Layout {
        Layout {
            t: t.clone(),
            user: user.map(|s| s.user.clone()),
            csrf: user.and_then(|s| s.csrf.clone()).unwrap_or_default(),
            path: path.to_string(),
            title,
            emergency: user.is_some_and(|s| s.emergency),
        }
    }

    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        SHIPPED.iter().map(|(c, n)| (*c, *n, *c == self.t.lang)).collect()
    }

    pub fn persona_name(&self) -> String {
        self.user.as_ref().map(|u| self.t.t(&format!("persona-{}", u.persona.as_str()))).unwrap_or_default()
    }

    pub fn persona_key(&self) -> &'static str {
        self.user.as_ref().map_or("", |u| u.persona.as_str())
    }

    pub fn next_param(&self) -> String {
        crate::auth::urlencode(&self.path)
    }
}

/// A page that says one thing, such as that a request was received.
#[derive(Template)]
#[template(path = "page/message.html")]
pub struct MessagePage {
    pub l: Layout,
    pub message: String,
}

pub fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be shown").into_response()
        }
    }
}
