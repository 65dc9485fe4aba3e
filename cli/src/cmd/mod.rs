//! One module per subcommand (and `store`: opening the store a command names).
pub(crate) mod jobs;
pub(crate) mod lint;
pub(crate) mod next;
pub(crate) mod reference;
pub(crate) mod run;
pub(crate) mod simulate;
pub(crate) mod snapshot;
pub(crate) mod store;
