//! The SQLite store: jobs in a file, shared with `schedctl jobs`, held by one runner at a time.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use super::{JobSpec, JobStore, StoreError, StoredJob};

/// The schema this schedctl writes; older ones are migrated on open.
pub const SCHEMA_VERSION: i64 = 1;

/// Jobs in an SQLite file (WAL mode, so `schedctl jobs` can change it while a runner uses it).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// For a runner: the lock file `<store>.lock`, held (locked) as long as the store is open.
    _runner_lock: Option<std::fs::File>,
}

impl SqliteStore {
    /// Opens (or creates) a store. A file that is not SQLite, or an SQLite file of another
    /// program, or one written by a newer schedctl, is refused and left untouched.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let not_a_store = |reason: String| StoreError::NotAStore {
            path: path.to_owned(),
            reason,
        };
        let existed = path.exists();
        let conn = Connection::open(path).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly) => {
                StoreError::ReadOnly {
                    path: path.to_owned(),
                }
            }
            _ => StoreError::from(e),
        })?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly {
                path: path.to_owned(),
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Reading the schema fails on a file that is not SQLite: refuse before writing anything.
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| not_a_store(e.to_string()))?;
        if existed && !tables.is_empty() && !tables.iter().any(|t| t == "schedctl_meta") {
            return Err(not_a_store("it has tables of another program".into()));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schedctl_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS jobs (
                 id TEXT PRIMARY KEY,
                 spec TEXT NOT NULL,
                 next_run_time INTEGER,
                 paused INTEGER NOT NULL DEFAULT 0
             );
             INSERT OR IGNORE INTO schedctl_meta (key, value) VALUES ('schema_version', 1), ('generation', 0);",
        )?;
        let version: i64 = conn.query_row(
            "SELECT value FROM schedctl_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(SqliteStore {
            conn,
            _runner_lock: None,
        })
    }

    /// Opens a store for a runner: like [`SqliteStore::open`], and refused while another
    /// runner holds it (an advisory lock on `<store>.lock`, released when the store is dropped
    /// or the process ends, however it ends). `schedctl jobs` does not take it.
    pub fn open_for_runner(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let read_only = || StoreError::ReadOnly {
            path: path.to_owned(),
        };
        let mut lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|_| read_only())?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = std::io::Read::read_to_string(&mut lock, &mut holder);
                let holder = holder.trim();
                return Err(StoreError::InUse {
                    path: path.to_owned(),
                    holder: (!holder.is_empty()).then(|| holder.to_owned()),
                });
            }
            Err(std::fs::TryLockError::Error(_)) => return Err(read_only()),
        }
        let mut store = SqliteStore::open(path)?;
        // The holder's pid, for the other runner's message (the lock itself is what counts).
        let _ = lock.set_len(0);
        let _ = std::io::Write::write_all(&mut lock, std::process::id().to_string().as_bytes());
        store._runner_lock = Some(lock);
        Ok(store)
    }

    /// Marks a change made from outside the runner (`schedctl jobs ...`).
    pub fn bump_generation(&mut self) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE schedctl_meta SET value = value + 1 WHERE key = 'generation'",
            [],
        )?;
        Ok(())
    }

    /// One job.
    pub fn get(&mut self, id: &str) -> Result<StoredJob, StoreError> {
        self.load()?
            .into_iter()
            .find(|j| j.spec.id == id)
            .ok_or_else(|| StoreError::NoSuchJob { id: id.into() })
    }
}

impl JobStore for SqliteStore {
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT spec, next_run_time, paused FROM jobs ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (spec, next_run_time, paused) = row?;
            let spec: JobSpec = serde_json::from_str(&spec).map_err(|e| StoreError::Corrupt {
                what: format!("a job definition: {e}"),
            })?;
            out.push(StoredJob {
                spec,
                next_run_time,
                paused: paused != 0,
            });
        }
        Ok(out)
    }

    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError> {
        let spec = serde_json::to_string(&job.spec).map_err(|e| StoreError::Corrupt {
            what: e.to_string(),
        })?;
        self.conn.execute(
            "INSERT INTO jobs (id, spec, next_run_time, paused) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET spec = excluded.spec, next_run_time = excluded.next_run_time, paused = excluded.paused",
            params![job.spec.id, spec, job.next_run_time, i64::from(job.paused)],
        )?;
        Ok(())
    }

    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE jobs SET next_run_time = ?2 WHERE id = ?1",
            params![id, next],
        )?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn remove(&mut self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM jobs WHERE id = ?1", params![id])?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn generation(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM schedctl_meta WHERE key = 'generation'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str) -> JobSpec {
        JobSpec {
            id: id.into(),
            trigger: "interval:seconds=1".into(),
            timezone: "UTC".into(),
            command: vec!["true".into()],
            executor: "default".into(),
            jobstore: "default".into(),
            coalesce: true,
            max_instances: 1,
            misfire_grace_us: Some(1_000_000),
            duration_us: 0,
            timeout_us: None,
        }
    }

    #[test]
    fn sqlite_round_trip_and_refusals() {
        let dir = std::env::temp_dir().join(format!("schedctl-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("jobs.db");
        let _ = std::fs::remove_file(&path);
        {
            let mut s = SqliteStore::open(&path).expect("new store");
            s.put(&StoredJob {
                spec: spec("a"),
                next_run_time: Some(5),
                paused: false,
            })
            .expect("put");
            s.set_next_run_time("a", Some(7)).expect("update");
            assert!(matches!(
                s.set_next_run_time("zz", None),
                Err(StoreError::NoSuchJob { .. })
            ));
        }
        let mut s = SqliteStore::open(&path).expect("reopen");
        assert_eq!(s.load().expect("load")[0].next_run_time, Some(7));
        let g = s.generation().expect("generation");
        s.bump_generation().expect("bump");
        assert_eq!(s.generation().expect("generation"), g + 1);
        drop(s);

        let garbage = dir.join("garbage.db");
        std::fs::write(&garbage, b"this is not sqlite at all, not even close").expect("write");
        assert!(matches!(
            SqliteStore::open(&garbage),
            Err(StoreError::NotAStore { .. })
        ));
        assert_eq!(
            std::fs::read(&garbage).expect("read"),
            b"this is not sqlite at all, not even close"
        );

        let newer = dir.join("newer.db");
        let _ = std::fs::remove_file(&newer);
        drop(SqliteStore::open(&newer).expect("create"));
        let c = Connection::open(&newer).expect("open");
        c.execute(
            "UPDATE schedctl_meta SET value = 99 WHERE key = 'schema_version'",
            [],
        )
        .expect("bump");
        drop(c);
        assert!(matches!(
            SqliteStore::open(&newer),
            Err(StoreError::TooNew { found: 99, .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("schedctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn stored(id: &str) -> StoredJob {
        StoredJob {
            spec: spec(id),
            next_run_time: Some(1),
            paused: false,
        }
    }

    /// SQLite's size limit gives the very error a full disk gives (SQLITE_FULL), on any
    /// machine: the write is rolled back and every committed job survives.
    #[test]
    fn a_full_disk_fails_the_write_and_keeps_the_last_committed_state() {
        let dir = scratch("full");
        let path = dir.join("jobs.db");
        let mut s = SqliteStore::open(&path).expect("new store");
        s.put(&stored("a")).expect("put");
        s.put(&stored("b")).expect("put");
        let pages: i64 = s
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("page count");
        s.conn
            .pragma_update(None, "max_page_count", pages)
            .expect("limit");
        let mut big = stored("big");
        big.spec.command = vec!["x".repeat(200_000)];
        let err = s.put(&big).expect_err("no room for 200 KB");
        assert!(matches!(err, StoreError::Full), "{err:?}");
        assert!(err
            .to_string()
            .contains("disk holding the job store is full"));
        // The next run time of a job already there still fits in its page.
        s.set_next_run_time("a", Some(9)).expect("update in place");
        drop(s);
        let mut s = SqliteStore::open(&path).expect("reopen");
        let jobs = s.load().expect("load");
        let ids: Vec<&str> = jobs.iter().map(|j| j.spec.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(jobs[0].next_run_time, Some(9));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A store file that cannot be written is refused at open, before any fire, and left
    /// byte for byte as it was. Root ignores file modes, so the file is also made immutable
    /// (`chattr +i`) where the file system allows it; the test checks that the file really
    /// is unwritable before it relies on it.
    #[test]
    fn a_read_only_store_is_refused_at_open_and_left_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("readonly");
        let path = dir.join("jobs.db");
        drop(SqliteStore::open(&path).expect("new store"));
        // Fold the WAL into the file, so the file alone is the store.
        let c = Connection::open(&path).expect("open");
        c.pragma_update(None, "journal_mode", "DELETE")
            .expect("journal");
        drop(c);
        let before = std::fs::read(&path).expect("read");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        let writable = std::fs::OpenOptions::new().append(true).open(&path).is_ok();
        if writable {
            eprintln!("note: cannot make a file read-only here (root without chattr); skipped");
        } else {
            let err = SqliteStore::open(&path).expect_err("read-only");
            assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
            assert!(err.to_string().contains("is read-only"), "{err}");
            assert_eq!(std::fs::read(&path).expect("read"), before);
        }
        if immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&path)
                .status();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Two runners on one store would both run every fire: the second is refused while the
    /// first holds the store, and gets it once the first lets go. `schedctl jobs` still opens
    /// it meanwhile.
    #[test]
    fn a_second_runner_is_refused_while_the_first_holds_the_store() {
        let dir = scratch("lock");
        let path = dir.join("jobs.db");
        let first = SqliteStore::open_for_runner(&path).expect("first runner");
        let err = SqliteStore::open_for_runner(&path).expect_err("second runner");
        match &err {
            StoreError::InUse { holder, .. } => {
                assert_eq!(
                    holder.as_deref(),
                    Some(std::process::id().to_string().as_str())
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("in use by another schedctl run"));
        let mut jobs_command = SqliteStore::open(&path).expect("jobs list still opens it");
        jobs_command.put(&stored("a")).expect("and changes it");
        drop(first);
        let mut again = SqliteStore::open_for_runner(&path).expect("free again");
        assert_eq!(again.load().expect("load").len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
