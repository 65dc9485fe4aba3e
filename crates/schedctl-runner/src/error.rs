//! Why a scheduler operation failed.

use crate::store::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A job store failed.
    #[error("job store `{store}`: {error}")]
    Store {
        /// The store's name (`default`, or a name from the job file's `[jobstores]`).
        store: String,
        /// What went wrong.
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
        /// The job's id.
        job: String,
        /// `executor` or `job store`.
        what: &'static str,
        /// The name the job gives.
        name: String,
    },
    /// The trigger's next fire cannot be computed (out of range, an AndTrigger loop).
    #[error("job `{job}`: {error}")]
    Trigger {
        /// The job's id.
        job: String,
        /// What the trigger could not compute.
        #[source]
        error: schedctl_trigger::EvalError,
    },
    /// A job with neither a command nor a closure (a closure job loaded from a persistent
    /// store before its closure was registered).
    #[error("job `{job}` has neither a command nor a closure: register its closure with Scheduler::register_closure before the store is added")]
    NothingToRun {
        /// The job's id.
        job: String,
    },
}
