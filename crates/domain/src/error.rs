//! Validation errors that name the field at fault and how to fix it.

use serde::Serialize;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    /// The field as the client named it, e.g. `date_of_birth` or `statements[0].text`.
    pub field: String,
    /// A stable code for the kind of problem; pages translate it (`err-CODE` in the Fluent files).
    pub code: &'static str,
    /// What is wrong and how to fix it, in plain English, for API clients and logs.
    pub message: String,
    /// Values the translated message needs, such as `max` or `choices`.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), code, message: message.into(), args: vec![] }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// Every problem found in one piece of input, reported together so that a
/// person fixes a form once, not field by field.
#[derive(Debug, Clone, Default, PartialEq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Add a problem; the same problem with the same field is reported once.
    pub fn push(&mut self, e: FieldError) {
        if !self.0.iter().any(|x| x.field == e.field && x.code == e.code) {
            self.0.push(e);
        }
    }

    /// A required text field, trimmed, checked against its kind's limit.
    pub fn required(&mut self, field: &str, value: &str, limit: crate::limits::TextLimit) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.push(FieldError::new(field, "required", "is required"));
        }
        crate::limits::check_text(self, field, v, limit);
        v.to_string()
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
