//! Validation that explains: every rule that rejects or questions input yields a `Finding`
//! with a stable code, the field it is about, and an Indonesian sentence saying what to fix.
//! Errors and warnings are kept apart: an error stops a record, a warning only asks to check.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine code, e.g. `nik_length`.
    pub code: &'static str,
    /// The field the finding is about, e.g. `nik`, `birth_date`.
    pub field: &'static str,
    /// What to fix, in Indonesian.
    pub message: String,
}

impl Finding {
    pub fn error(code: &'static str, field: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            code,
            field,
            message: message.into(),
        }
    }

    pub fn warning(code: &'static str, field: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            code,
            field,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
