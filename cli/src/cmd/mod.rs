//! One module per subcommand.
pub(crate) mod jobs;
pub(crate) mod lint;
pub(crate) mod next;
pub(crate) mod reference;
pub(crate) mod run;
pub(crate) mod simulate;
pub(crate) mod snapshot;
