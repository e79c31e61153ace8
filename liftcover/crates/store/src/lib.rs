//! liftcover-store: persistence for liftcover on SQLite (default, a file path) or
//! PostgreSQL (a `postgres://` URL) behind one repository, [`Store`]. It owns the schema,
//! its migrations, input validation of registered records and the transactions that make
//! every command all-or-nothing. It relies on liftcover-core for every business rule and
//! must not depend on HTTP, HTML or the command line.

pub mod db;
pub mod migrations;
pub mod model;
mod store;

pub use model::*;
pub use store::Store;

use liftcover_core::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid input: {0}")]
    Invalid(ValidationError),
    #[error("{entity} not found: {key}")]
    NotFound { entity: &'static str, key: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(String),
}

// Not `#[from]`: that would also make the error its own source and print it twice.
impl From<ValidationError> for StoreError {
    fn from(e: ValidationError) -> Self {
        StoreError::Invalid(e)
    }
}

impl StoreError {
    pub fn not_found(entity: &'static str, key: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
