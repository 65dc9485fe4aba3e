//! Why a scheduler operation failed.

use crate::store::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A job store failed.
    #[error("job store `{store}`: {error}")]
    Store {
        store: String,
        #[source]
        error: StoreError,
    },
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
    /// The trigger's next fire cannot be computed (out of range, an AndTrigger loop).
    #[error("job `{job}`: {error}")]
    Trigger {
        job: String,
        #[source]
        error: schedctl_trigger::EvalError,
    },
    /// A job with neither a command nor a closure (a closure job loaded from a persistent
    /// store before its closure was registered).
    #[error("job `{job}` has neither a command nor a closure: register its closure with Scheduler::register_closure before the store is added")]
    NothingToRun { job: String },
}
