//! The tables of a PostgreSQL job store, and the check that a database holds ours.
//!
//! All tables are named `schedctl_*` in the connection's current schema (the first of its
//! `search_path`; choose another with `options=-csearch_path%3Dmyschema` in the URL). A store
//! is checked before anything is written: tables named like ours that lack schedctl's marker,
//! or a schema newer than this build reads, are refused and left untouched. Creation takes a
//! transaction-scoped advisory lock, so runners starting together create the tables once.

use postgres::{Client, GenericClient};

/// The schema this schedctl writes. 1: jobs, runners, leases, abandoned runs, fire history.
pub const PG_SCHEMA_VERSION: i64 = 1;

/// The key of the advisory lock taken while creating the tables ("SCHD").
const CREATE_LOCK: i64 = 0x5343_4844;

const CREATE: &str = "
CREATE TABLE schedctl_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO schedctl_meta VALUES ('application', 'schedctl'), ('generation', '0');
CREATE TABLE schedctl_jobs (
    id text PRIMARY KEY,
    spec text NOT NULL,
    executor text NOT NULL,
    next_run_time bigint,
    paused boolean NOT NULL DEFAULT false,
    anchor bigint,
    ended text,
    removed boolean NOT NULL DEFAULT false,
    origin text NOT NULL DEFAULT 'file',
    file_spec text
);
CREATE INDEX schedctl_jobs_due ON schedctl_jobs (next_run_time)
    WHERE NOT paused AND ended IS NULL AND NOT removed;
CREATE TABLE schedctl_runners (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat timestamptz NOT NULL DEFAULT now(),
    lease_us bigint NOT NULL
);
CREATE TABLE schedctl_leases (
    id bigserial PRIMARY KEY,
    job_id text NOT NULL,
    runner_id text NOT NULL,
    fires bigint[] NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedctl_leases_job ON schedctl_leases (job_id);
CREATE INDEX schedctl_leases_runner ON schedctl_leases (runner_id);
CREATE TABLE schedctl_abandoned (
    id bigserial PRIMARY KEY,
    job_id text NOT NULL,
    fire bigint NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    reason text NOT NULL,
    detected_at timestamptz NOT NULL DEFAULT now(),
    detected_by text NOT NULL,
    rerun boolean NOT NULL
);
CREATE INDEX schedctl_abandoned_job ON schedctl_abandoned (job_id, fire);
CREATE TABLE schedctl_history (
    job_id text NOT NULL,
    fire bigint NOT NULL,
    outcome text NOT NULL,
    runner_id text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedctl_history_job ON schedctl_history (job_id, fire);
CREATE INDEX schedctl_history_at ON schedctl_history (at);
";

/// What the database holds.
pub(super) enum Found {
    /// None of our tables: a store can be created here.
    Nothing,
    /// A schedctl store of this schema version.
    Store(i64),
    /// Something else, and why it is not a store.
    Foreign(String),
}

/// Looks at the database without writing to it.
pub(super) fn inspect(client: &mut impl GenericClient) -> Result<Found, postgres::Error> {
    let row = client.query_one(
        "SELECT to_regclass('schedctl_meta') IS NOT NULL,
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = current_schema() AND c.relname LIKE 'schedctl\\_%'
                    AND c.relkind IN ('r', 'p', 'v', 'm'))",
        &[],
    )?;
    let (has_meta, tables): (bool, i64) = (row.get(0), row.get(1));
    if !has_meta {
        return Ok(if tables == 0 {
            Found::Nothing
        } else {
            Found::Foreign("it has tables named schedctl_* but no schedctl_meta".into())
        });
    }
    let marker = "SELECT (SELECT value FROM schedctl_meta WHERE key = 'application'),
                         (SELECT value FROM schedctl_meta WHERE key = 'schema_version')";
    // A table of that name with other columns is someone else's.
    let row = match client.query_one(marker, &[]) {
        Ok(r) => r,
        Err(e) if e.as_db_error().is_some() => {
            return Ok(Found::Foreign(
                "its schedctl_meta table is not schedctl's".into(),
            ))
        }
        Err(e) => return Err(e),
    };
    let (app, version): (Option<String>, Option<String>) = (row.get(0), row.get(1));
    if app.as_deref() != Some("schedctl") {
        return Ok(Found::Foreign(
            "its schedctl_meta table has no schedctl marker".into(),
        ));
    }
    match version.as_deref().map(str::parse::<i64>) {
        Some(Ok(v)) => Ok(Found::Store(v)),
        _ => Ok(Found::Foreign(
            "its schedctl_meta table has no schema version".into(),
        )),
    }
}

/// Creates the tables unless another runner just did; returns what is there after.
pub(super) fn create(client: &mut Client) -> Result<Found, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CREATE_LOCK])?;
    let found = inspect(&mut tx)?;
    if let Found::Nothing = found {
        tx.batch_execute(CREATE)?;
        tx.execute(
            "INSERT INTO schedctl_meta VALUES ('schema_version', $1)",
            &[&PG_SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        return Ok(Found::Store(PG_SCHEMA_VERSION));
    }
    tx.commit()?;
    Ok(found)
}
