use serde::Serialize;

/// One offending input field and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `reporter.id_number`.
    pub field: String,
    pub reason: String,
}

/// Every problem found in one input, so a client can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        });
    }

    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.push(field, reason);
        e
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a field at or under `prefix` (`identifiers`, `identifiers.phone`) was refused.
    pub fn has(&self, prefix: &str) -> bool {
        self.0.iter().any(|f| {
            f.field == prefix
                || f.field
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}
