//! One module per subcommand.
pub(crate) mod next;
pub(crate) mod simulate;
