//! Paged lists: the [`Page`] every list answers with, the page size rule,
//! and [`Sql`], a builder for filtered list queries with numbered
//! placeholders.
//!
//! May import: nothing from the crate but its root.

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::Any;

/// One page of a list, with the cursor for the next page when there is one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Lists fetch one row more than the page holds: its presence says there
    /// is a next page, which starts after the last row kept.
    pub(crate) fn from_one_extra(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(&id)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

/// Builds a query with numbered placeholders, the same on both databases.
pub(crate) struct Sql {
    text: String,
    args: Vec<Option<String>>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: vec![] }
    }
    /// Append `fragment`, where `?` stands for `value`.
    pub(crate) fn push(&mut self, fragment: &str, value: impl Into<Option<String>>) -> &mut Self {
        self.args.push(value.into());
        self.text.push_str(&fragment.replace('?', &format!("${}", self.args.len())));
        self
    }
    pub(crate) fn text(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }
    pub(crate) fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = q.bind(a.clone());
        }
        q
    }
}

/// The page size asked for, 50 when none was asked and at most 500.
pub(crate) fn page_limit(limit: u32) -> u32 {
    if limit == 0 {
        50
    } else {
        limit.min(500)
    }
}
