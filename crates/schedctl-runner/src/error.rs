//! Why a scheduler operation failed.

use crate::store::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A job store failed.
    #[error("job store `{store}`: {error}")]
    Store { store: String, error: StoreError },
    /// No job of that id.
    #[error("no job `{0}`")]
    NoSuchJob(String),
    /// A job with that id exists and replace_existing was not set.
    #[error("a job `{0}` exists already")]
    Exists(String),
    /// A job names an executor or store that is not configured.
    #[error("job `{job}`: unknown {what} `{name}`")]
    Unknown {
        job: String,
        what: &'static str,
        name: String,
    },
    /// The trigger's next fire is out of range.
    #[error("job `{job}`: {error}")]
    Trigger {
        job: String,
        error: schedctl_trigger::EvalError,
    },
}
