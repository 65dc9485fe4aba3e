//! schedctl's integration tests: one binary, a module per area (link time stays low).

mod combine_props;
mod dst_props;
mod error_messages;
mod explain_props;
mod freezes;
mod hostile;
mod next_conformance;
mod sim_conformance;
mod snapshot_api;
mod trigger_props;
