//! Opening the job store a command names: an SQLite file, or a PostgreSQL URL.

use std::path::Path;
use std::time::Duration;

use schedctl_core::PostgresUrl;
use schedctl_runner::{JobStore, PostgresStore, SqliteStore};

use crate::cmd::run::input;
use crate::output::Failure;

/// The PostgreSQL URL that `--store` gives, when it gives one rather than a file.
pub(crate) fn postgres_url(store: &Path) -> Option<&str> {
    store
        .to_str()
        .filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The URL of a job file's postgres store: written in the file, or read from the environment
/// variable it names (so no password sits in the file).
pub(crate) fn resolve_url(name: &str, url: &PostgresUrl) -> Result<String, Failure> {
    match url {
        PostgresUrl::Url(u) => Ok(u.clone()),
        PostgresUrl::Env(var) => match std::env::var(var) {
            Ok(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(u),
            Ok(u) if !u.trim().is_empty() => Err(input(format!(
                "job store `{name}`: the environment variable `{var}` (url_env) does not hold a PostgreSQL URL: it must start with postgres:// or postgresql://"
            ))),
            Ok(_) | Err(std::env::VarError::NotPresent) => Err(input(format!(
                "job store `{name}`: the environment variable `{var}` (url_env) is not set; set it to the store's URL, e.g. postgres://user@host/db"
            ))),
            Err(e) => Err(input(format!(
                "job store `{name}`: the environment variable `{var}` (url_env): {e}"
            ))),
        },
    }
}

/// Opens a store for a runner: a PostgreSQL URL (shared, with this lease time) or an SQLite
/// file (held by this runner). `zone` is kept in it for `schedctl jobs add`.
pub(crate) fn open_for_runner(
    store: &Path,
    lease: Duration,
    zone: &str,
) -> Result<Box<dyn JobStore>, Failure> {
    let fail = |e: schedctl_runner::StoreError| input(e.to_string());
    let mut opened: Box<dyn JobStore> = match postgres_url(store) {
        Some(url) => Box::new(PostgresStore::open_for_runner(url, lease).map_err(fail)?),
        None => Box::new(SqliteStore::open_for_runner(store).map_err(fail)?),
    };
    opened.set_setting("timezone", zone).map_err(fail)?;
    Ok(opened)
}

/// Opens an existing store for `schedctl jobs` (read-only unless `writable`, for a file).
pub(crate) fn open_existing(store: &Path, writable: bool) -> Result<Box<dyn JobStore>, Failure> {
    let fail = |e: schedctl_runner::StoreError| input(e.to_string());
    Ok(match postgres_url(store) {
        Some(url) => Box::new(PostgresStore::open(url).map_err(fail)?),
        None => Box::new(SqliteStore::open_existing(store, writable).map_err(fail)?),
    })
}
