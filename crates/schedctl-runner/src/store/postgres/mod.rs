//! The PostgreSQL store: one store that several runners, on several hosts, share.
//!
//! PostgreSQL does the coordination (row locks, transactions, LISTEN/NOTIFY); the claim of
//! due fires and the leases of runs are in [`claim`], the tables in [`schema`], `sslmode` in
//! [`tls`] and change notifications in [`listen`]. This file holds the connection (lost and
//! found again with backoff) and the plain [`JobStore`] operations `schedctl jobs` uses.

mod claim;
mod listen;
mod schema;
mod tls;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::{Client, Config, GenericClient, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::shared::{RunnerId, SharedStore};
use super::{JobSpec, JobStore, Origin, StoreError, StoredJob, Waker};
pub use schema::PG_SCHEMA_VERSION;

/// Something the store tells the person running it (a lost or found connection).
pub type Notice = Arc<dyn Fn(&str) + Send + Sync>;

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Jobs in a PostgreSQL database, shared by every runner and `schedctl jobs` that use it.
pub struct PostgresStore {
    /// The URL as shown in messages (password hidden).
    shown: String,
    config: Config,
    tls: MakeRustlsConnect,
    client: Option<Client>,
    /// When the connection was lost, when to try again and how long to wait after that.
    lost_at: Option<Instant>,
    next_try: Instant,
    backoff: Duration,
    /// Set for a runner (`open_for_runner`).
    runner: Option<Registration>,
    notice: Option<Notice>,
    listener: Option<listen::Listener>,
    /// The LISTEN/NOTIFY channel: one per schema.
    channel: String,
}

/// A runner's membership: its id, lease time and the leases it holds.
struct Registration {
    id: RunnerId,
    lease: Duration,
    /// Leases of runs handed to this runner's workers and not yet released.
    held: BTreeSet<i64>,
    /// Leases released while the connection was down: deleted at reconnection.
    pending: Vec<i64>,
    /// When old fire history was last pruned.
    pruned: Option<Instant>,
    /// Registered once already: being inserted again means others declared it dead.
    registered: bool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Opens an existing store for `schedctl jobs`: never creates one.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let mut store = PostgresStore::connect(url)?;
        let found = store.with(schema::inspect)?;
        store.verdict(found)?;
        Ok(store)
    }

    /// Opens a store for a runner with this lease time, creating its tables on first use, and
    /// registers the runner.
    pub fn open_for_runner(url: &str, lease: Duration) -> Result<PostgresStore, StoreError> {
        let mut store = PostgresStore::connect(url)?;
        let found = store.with(schema::create)?;
        store.verdict(found)?;
        store.runner = Some(Registration {
            id: RunnerId::this_process(),
            lease,
            held: BTreeSet::new(),
            pending: Vec::new(),
            pruned: None,
            registered: false,
        });
        store.register()?;
        Ok(store)
    }

    /// Where this store's messages about its connection go (default: standard error).
    pub fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    /// The runner this store registered (a runner's store only).
    pub fn runner(&self) -> Option<&RunnerId> {
        self.runner.as_ref().map(|r| &r.id)
    }

    fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let shown = redact(url);
        let bad = |reason: String| StoreError::BadUrl {
            url: shown.clone(),
            reason,
        };
        let prepared = tls::prepare(url).map_err(bad)?;
        let mut config: Config = prepared
            .url
            .parse()
            .map_err(|e: postgres::Error| bad(e.to_string()))?;
        config
            .application_name("schedctl")
            .connect_timeout(Duration::from_secs(5))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .tcp_user_timeout(Duration::from_secs(10));
        let client = config
            .connect(prepared.tls.clone())
            .map_err(|e| database(&shown, &e))?;
        let mut store = PostgresStore {
            shown,
            config,
            tls: prepared.tls,
            client: Some(client),
            lost_at: None,
            next_try: Instant::now(),
            backoff: Duration::from_millis(100),
            runner: None,
            notice: None,
            listener: None,
            channel: String::new(),
        };
        let schema: String =
            store.with(|c| c.query_one("SELECT current_schema()", &[])?.try_get(0))?;
        store.channel = format!("schedctl.{schema}");
        Ok(store)
    }

    /// Ok when `found` is a store of ours, of a version this build reads.
    fn verdict(&self, found: schema::Found) -> Result<(), StoreError> {
        match found {
            schema::Found::Nothing => Err(StoreError::Missing {
                path: self.shown.clone().into(),
            }),
            schema::Found::Foreign(reason) => Err(StoreError::NotAStore {
                path: self.shown.clone().into(),
                reason,
            }),
            schema::Found::Store(v) if v > PG_SCHEMA_VERSION => Err(StoreError::TooNew {
                path: self.shown.clone().into(),
                found: v,
                supported: PG_SCHEMA_VERSION,
            }),
            schema::Found::Store(_) => Ok(()),
        }
    }

    fn say(&self, message: &str) {
        match &self.notice {
            Some(n) => n(message),
            None => eprintln!("schedctl: {message}"),
        }
    }

    /// Runs `f` on the connection, reconnecting first if it was lost and the backoff allows.
    /// An error that leaves the connection unusable marks it lost.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.ensure_connected()?;
        let Some(client) = self.client.as_mut() else {
            return Err(self.disconnected());
        };
        match f(client) {
            Ok(v) => Ok(v),
            Err(e) => {
                if client.is_closed() || e.as_db_error().is_none_or(is_fatal) {
                    self.lose(&e);
                }
                Err(database(&self.shown, &e))
            }
        }
    }

    fn disconnected(&self) -> StoreError {
        StoreError::Disconnected {
            url: self.shown.clone(),
            secs: self.lost_at.map_or(0, |t| t.elapsed().as_secs()),
        }
    }

    fn lose(&mut self, e: &postgres::Error) {
        self.client = None;
        if self.lost_at.is_none() {
            self.lost_at = Some(Instant::now());
            self.backoff = Duration::from_millis(100);
            self.next_try = Instant::now();
            self.say(&format!(
                "lost the connection to {}: {}; runs in progress go on, no new fire is claimed until it is back (reconnecting)",
                self.shown,
                describe(e)
            ));
        }
    }

    fn ensure_connected(&mut self) -> Result<(), StoreError> {
        if self.client.as_ref().is_some_and(|c| !c.is_closed()) {
            return Ok(());
        }
        if self.lost_at.is_none() {
            self.lost_at = Some(Instant::now());
            self.say(&format!(
                "lost the connection to {} (reconnecting)",
                self.shown
            ));
        }
        if Instant::now() < self.next_try {
            return Err(self.disconnected());
        }
        match self.config.connect(self.tls.clone()) {
            Ok(client) => {
                self.client = Some(client);
                let down = self
                    .lost_at
                    .take()
                    .map_or(0.0, |t| t.elapsed().as_secs_f64());
                self.say(&format!("reconnected to {} after {down:.1} s", self.shown));
                if self.runner.is_some() {
                    self.register()?;
                }
                Ok(())
            }
            Err(_) => {
                self.next_try = Instant::now() + self.backoff;
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                Err(self.disconnected())
            }
        }
    }

    /// Bumps the change counter and tells listening runners, inside `tx`.
    fn changed(tx: &mut impl GenericClient, channel: &str) -> Result<(), postgres::Error> {
        tx.execute(
            "UPDATE schedctl_meta SET value = (value::bigint + 1)::text WHERE key = 'generation'",
            &[],
        )?;
        tx.execute("SELECT pg_notify($1, '')", &[&channel])?;
        Ok(())
    }

    /// The job `id`.
    fn get_row(&mut self, id: &str) -> Result<StoredJob, StoreError> {
        let rows = self.with(|c| c.query(&format!("{SELECT_JOB} WHERE id = $1"), &[&id]))?;
        match rows.first() {
            Some(r) => row_to_job(&self.shown, r),
            None => Err(StoreError::NoSuchJob { id: id.into() }),
        }
    }
}

/// A row of [`SELECT_JOB`] of the store `shown`.
fn row_to_job(shown: &str, r: &Row) -> Result<StoredJob, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt {
        path: shown.into(),
        what,
    };
    let id: String = r.get(0);
    let spec_text: String = r.get(1);
    let spec: JobSpec = serde_json::from_str(&spec_text)
        .map_err(|e| corrupt(format!("job `{id}` has an unreadable definition: {e}")))?;
    let file_spec = match r.get::<_, Option<String>>(8) {
        Some(t) => Some(serde_json::from_str(&t).map_err(|e| {
            corrupt(format!(
                "job `{id}` has an unreadable job-file definition: {e}"
            ))
        })?),
        None => None,
    };
    Ok(StoredJob {
        spec,
        next_run_time: r.get(2),
        paused: r.get(3),
        anchor: r.get(4),
        ended: r.get(5),
        removed: r.get(6),
        origin: Origin::from_name(r.get(7)),
        file_spec,
    })
}

/// The columns [`PostgresStore::row_to_job`] reads.
const SELECT_JOB: &str = "SELECT id, spec, next_run_time, paused, anchor, ended, removed, origin, file_spec FROM schedctl_jobs";

/// Writes one job (insert or replace) inside `tx`.
fn put_one(tx: &mut impl GenericClient, job: &StoredJob) -> Result<(), postgres::Error> {
    let spec = serde_json::to_string(&job.spec).unwrap_or_default();
    let file_spec = job
        .file_spec
        .as_ref()
        .map(|f| serde_json::to_string(f).unwrap_or_default());
    tx.execute(
        "INSERT INTO schedctl_jobs (id, spec, executor, next_run_time, paused, anchor, ended, removed, origin, file_spec)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec, executor = EXCLUDED.executor,
           next_run_time = EXCLUDED.next_run_time, paused = EXCLUDED.paused, anchor = EXCLUDED.anchor,
           ended = EXCLUDED.ended, removed = EXCLUDED.removed, origin = EXCLUDED.origin,
           file_spec = EXCLUDED.file_spec",
        &[
            &job.spec.id,
            &spec,
            &job.spec.executor,
            &job.next_run_time,
            &job.paused,
            &job.anchor,
            &job.ended,
            &job.removed,
            &job.origin.name(),
            &file_spec,
        ],
    )?;
    Ok(())
}

/// An error that ends the session (the server shuts down or the connection is broken).
fn is_fatal(db: &postgres::error::DbError) -> bool {
    // Class 57 (operator intervention: admin shutdown, crash shutdown, cannot connect now)
    // and class 08 (connection exception).
    let code = db.code().code();
    code.starts_with("57") || code.starts_with("08")
}

/// A client error, with the server's message when it sent one.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                s.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            s
        }
    }
}

fn database(shown: &str, e: &postgres::Error) -> StoreError {
    StoreError::Database {
        url: shown.to_owned(),
        message: describe(e),
    }
}

/// The URL with its password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl JobStore for PostgresStore {
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError> {
        let rows = self.with(|c| c.query(&format!("{SELECT_JOB} ORDER BY id"), &[]))?;
        rows.iter().map(|r| row_to_job(&self.shown, r)).collect()
    }

    fn get(&mut self, id: &str) -> Result<StoredJob, StoreError> {
        self.get_row(id)
    }

    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError> {
        self.put_many(std::slice::from_ref(job))
    }

    fn put_many(&mut self, jobs: &[StoredJob]) -> Result<(), StoreError> {
        let channel = self.channel.clone();
        self.with(|c| {
            let mut tx = c.transaction()?;
            for j in jobs {
                put_one(&mut tx, j)?;
            }
            PostgresStore::changed(&mut tx, &channel)?;
            tx.commit()
        })
    }

    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError> {
        let n = self.with(|c| {
            c.execute(
                "UPDATE schedctl_jobs SET next_run_time = $2 WHERE id = $1",
                &[&id, &next],
            )
        })?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn remove(&mut self, id: &str) -> Result<(), StoreError> {
        let channel = self.channel.clone();
        let n = self.with(|c| {
            let mut tx = c.transaction()?;
            let n = tx.execute("DELETE FROM schedctl_jobs WHERE id = $1", &[&id])?;
            PostgresStore::changed(&mut tx, &channel)?;
            tx.commit()?;
            Ok(n)
        })?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn generation(&mut self) -> Result<i64, StoreError> {
        let v: String = self.with(|c| {
            c.query_one(
                "SELECT value FROM schedctl_meta WHERE key = 'generation'",
                &[],
            )?
            .try_get(0)
        })?;
        Ok(v.parse().unwrap_or(0))
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let key = format!("setting.{key}");
        let rows =
            self.with(|c| c.query("SELECT value FROM schedctl_meta WHERE key = $1", &[&key]))?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let key = format!("setting.{key}");
        self.with(|c| {
            c.execute(
                "INSERT INTO schedctl_meta VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&key, &value],
            )
        })
        .map(|_| ())
    }

    fn notify_runners(&mut self) -> Result<(), StoreError> {
        let channel = self.channel.clone();
        self.with(|c| PostgresStore::changed(c, &channel))
    }

    fn set_waker(&mut self, waker: Waker) {
        self.listener = Some(listen::Listener::start(
            self.config.clone(),
            self.tls.clone(),
            self.channel.clone(),
            waker,
        ));
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn as_shared(&mut self) -> Option<&mut dyn SharedStore> {
        Some(self)
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(l) = self.listener.take() {
            l.stop();
        }
        if self.runner.is_some() && self.client.as_ref().is_some_and(|c| !c.is_closed()) {
            // A clean stop: runs this runner still holds (a shutdown that did not wait) are
            // recorded as abandoned now rather than one lease time later.
            let _ = self.deregister();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/jobs?sslmode=require"),
            "postgres://app:***@db:5432/jobs?sslmode=require"
        );
        assert_eq!(redact("postgres://app@db/jobs"), "postgres://app@db/jobs");
        assert_eq!(redact("postgresql://db/jobs"), "postgresql://db/jobs");
    }
}
