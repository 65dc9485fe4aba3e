//! The SQLite store: jobs in a file, shared with `schedctl jobs`, held by one runner at a time.
//!
//! A store is checked before anything is written to it: the file is first opened read-only
//! and must be empty or a schedctl store of a schema this build reads (another program's
//! database, a view-only file, a newer schema are refused and left byte for byte). Only
//! `schedctl run` creates stores; `schedctl jobs` opens existing ones. A runner holds an
//! exclusive lock on the store file itself (`flock`, keyed on the file, so a symlink or a hard
//! link to the same store is the same store); `schedctl jobs` goes through SQLite's own
//! locking and may change the store while a runner holds it.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{JobSpec, JobStore, Origin, StoreError, StoredJob};

/// The schema this schedctl writes; older ones are migrated when opened for writing.
/// 1: jobs (id, spec, next_run_time, paused). 2: adds anchor, ended, removed, origin,
/// file_spec and the
/// `schedctl_settings` table (the runner holding the store, the job file's zone).
pub const SCHEMA_VERSION: i64 = 2;

/// PRAGMA application_id of schedctl stores ("SCHD"): other programs' databases set their
/// own (or a user_version), which is how they are told apart from an empty file.
const APPLICATION_ID: i64 = 0x5343_4844;

/// Jobs in an SQLite file (WAL mode, so `schedctl jobs` can change it while a runner uses it).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    version: i64,
    /// For a runner: the store file itself, `flock`ed as long as the store is open. Declared
    /// after `conn`, so it is closed after SQLite's own handle.
    _runner_lock: Option<File>,
}

/// What a read-only look at a file found.
struct Inspection {
    /// The schema version, or none for an empty file (no tables, no ids).
    version: Option<i64>,
}

impl SqliteStore {
    /// Opens an existing store for `schedctl jobs`: never creates one. `writable` false opens
    /// it read-only (listing works on a read-only store); true migrates an older schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_existing(path, true)
    }

    /// [`SqliteStore::open`], read-only unless `writable`.
    pub fn open_existing(path: &Path, writable: bool) -> Result<SqliteStore, StoreError> {
        if !check_path(path)? {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        refuse_hard_links(path)?;
        let found = inspect(path)?;
        let Some(version) = found.version else {
            return Err(StoreError::NotAStore {
                path: path.to_owned(),
                reason: "the file is empty (only `schedctl run` creates job stores)".into(),
            });
        };
        if !writable {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| sqlite_error(path, e))?;
            return Ok(SqliteStore {
                conn,
                path: path.to_owned(),
                version,
                _runner_lock: None,
            });
        }
        let conn = open_writable(path, false)?;
        let mut store = SqliteStore {
            conn,
            path: path.to_owned(),
            version,
            _runner_lock: None,
        };
        store.prepare_schema()?;
        Ok(store)
    }

    /// Opens (or creates) a store for a runner, and holds it: refused while another runner
    /// holds it (the lock is on the store file itself and ends with the process, however it
    /// ends). A file that is not SQLite, another program's database, or one written by a newer
    /// schedctl is refused and left untouched, and no file is created beside it.
    pub fn open_for_runner(path: &Path) -> Result<SqliteStore, StoreError> {
        let existed = check_path(path)?;
        // The lock comes first: a second runner is refused before it touches the file, by
        // whatever name it reaches it.
        let lock = if existed {
            Some(lock_store(path)?)
        } else {
            None
        };
        let version = if existed {
            refuse_hard_links(path)?;
            inspect(path)?.version
        } else {
            None
        };
        let conn = open_writable(path, !existed)?;
        let lock = match lock {
            Some(lock) => lock,
            None => lock_store(path)?,
        };
        let mut store = SqliteStore {
            conn,
            path: path.to_owned(),
            version: version.unwrap_or(0),
            _runner_lock: Some(lock),
        };
        store.prepare_schema()?;
        // Who holds it, for the message another runner gets (the lock itself is what counts).
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let holder = if host.is_empty() {
            format!("pid {}", std::process::id())
        } else {
            format!("pid {} on {host}", std::process::id())
        };
        store.set_setting("runner", &holder)?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| sqlite_error(&self.path, e)
    }

    /// Creates the schema of a new store (version 0 here) or migrates an older one.
    fn prepare_schema(&mut self) -> Result<(), StoreError> {
        if self.version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: self.version,
                supported: SCHEMA_VERSION,
            });
        }
        if self.version == SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        let fail = |e| sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(fail)?;
        if self.version == 0 {
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID};
                 CREATE TABLE schedctl_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                 CREATE TABLE jobs (
                     id TEXT PRIMARY KEY,
                     spec TEXT NOT NULL,
                     next_run_time INTEGER,
                     paused INTEGER NOT NULL DEFAULT 0
                 );
                 INSERT INTO schedctl_meta (key, value) VALUES ('schema_version', 1), ('generation', 0);"
            ))
            .map_err(fail)?;
        }
        // 1 -> 2
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID};
             ALTER TABLE jobs ADD COLUMN anchor INTEGER;
             ALTER TABLE jobs ADD COLUMN ended TEXT;
             ALTER TABLE jobs ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE jobs ADD COLUMN origin TEXT NOT NULL DEFAULT 'file';
             ALTER TABLE jobs ADD COLUMN file_spec TEXT;
             CREATE TABLE schedctl_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             UPDATE schedctl_meta SET value = 2 WHERE key = 'schema_version';"
        ))
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        self.version = SCHEMA_VERSION;
        Ok(())
    }

    fn put_one(conn: &Connection, path: &Path, job: &StoredJob) -> Result<(), StoreError> {
        let json = |spec: &JobSpec| {
            serde_json::to_string(spec).map_err(|e| StoreError::Corrupt {
                path: path.to_owned(),
                what: e.to_string(),
            })
        };
        let spec = json(&job.spec)?;
        let file_spec = job.file_spec.as_ref().map(json).transpose()?;
        // Cached: a wake-up writes every due job, and parsing the statement once per row
        // was half of its commit's time.
        conn.prepare_cached(
            "INSERT INTO jobs (id, spec, next_run_time, paused, anchor, ended, removed, origin, file_spec)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET spec = excluded.spec,
                 next_run_time = excluded.next_run_time, paused = excluded.paused,
                 anchor = excluded.anchor, ended = excluded.ended, removed = excluded.removed,
                 origin = excluded.origin, file_spec = excluded.file_spec",
        )
        .and_then(|mut st| {
            st.execute(params![
                job.spec.id,
                spec,
                job.next_run_time,
                i64::from(job.paused),
                job.anchor,
                job.ended,
                i64::from(job.removed),
                job.origin.name(),
                file_spec
            ])
        })
        .map_err(|e| sqlite_error(path, e))?;
        Ok(())
    }
}

/// Whether `path` exists as a file; errors for a directory, or for a missing directory
/// the store would be created in.
fn check_path(path: &Path) -> Result<bool, StoreError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(StoreError::IsADirectory {
            path: path.to_owned(),
        }),
        Ok(_) => Ok(true),
        Err(_) => {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            };
            if dir.is_dir() {
                Ok(false)
            } else {
                Err(StoreError::NoDirectory {
                    path: path.to_owned(),
                    dir,
                })
            }
        }
    }
}

/// Takes the runner's lock: an exclusive `flock` on the store file itself (so every name of
/// the file, a symlink or a hard link, is the same lock), released when the file is closed or
/// the process ends, however it ends.
fn lock_store(path: &Path) -> Result<File, StoreError> {
    let lock = File::open(path).map_err(|_| StoreError::ReadOnly {
        path: path.to_owned(),
    })?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => {
            // Who holds it, as that runner wrote it (best effort: the lock is what counts).
            // A read-only connection cannot attach to the running runner's WAL index; a
            // read-write one only reads here.
            let holder = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .and_then(|c| {
                    c.query_row(
                        "SELECT value FROM schedctl_settings WHERE key = 'runner'",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                })
                .ok();
            Err(StoreError::InUse {
                path: path.to_owned(),
                holder,
            })
        }
        Err(std::fs::TryLockError::Error(_)) => Err(StoreError::ReadOnly {
            path: path.to_owned(),
        }),
    }
}

/// SQLite finds a store's write-ahead log by the store's file name: two names of one file
/// (hard links) would each get a log of their own and corrupt the store.
fn refuse_hard_links(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) if m.nlink() > 1 => Err(StoreError::HardLinked {
            path: path.to_owned(),
            links: m.nlink(),
        }),
        _ => Ok(()),
    }
}

/// Looks at an existing file read-only, writing nothing: an empty file, or a schedctl store
/// whose schema version it returns. Anything else is refused.
fn inspect(path: &Path) -> Result<Inspection, StoreError> {
    let not_a_store = |reason: String| StoreError::NotAStore {
        path: path.to_owned(),
        reason,
    };
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Ok(Inspection { version: None });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => not_a_store("it is not an SQLite file".into()),
        _ => sqlite_error(path, e),
    })?;
    // Reading the schema fails on a file that is not SQLite.
    let objects: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master")
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => {
                not_a_store("it is not an SQLite file".into())
            }
            _ => sqlite_error(path, e),
        })?;
    let pragma = |name: &str| -> i64 {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap_or(0)
    };
    let (application_id, user_version) = (pragma("application_id"), pragma("user_version"));
    let ours = objects
        .iter()
        .any(|(t, n)| t == "table" && n == "schedctl_meta");
    if !ours {
        if application_id != 0 || user_version != 0 {
            return Err(not_a_store(format!(
                "it is another program's database (application_id {application_id}, user_version {user_version})"
            )));
        }
        if let Some((kind, name)) = objects.first() {
            return Err(not_a_store(format!(
                "it holds another program's {kind} `{name}`"
            )));
        }
        return Ok(Inspection { version: None });
    }
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(not_a_store(format!(
            "its application_id is {application_id}, not schedctl's"
        )));
    }
    let version: i64 = conn
        .query_row(
            "SELECT value FROM schedctl_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| not_a_store(format!("it has no schema version ({e})")))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(Inspection {
        version: Some(version),
    })
}

/// Opens a store read-write (creating the file when `create`), in WAL mode, telling a
/// read-only file from a read-only directory.
fn open_writable(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let read_only = |e: rusqlite::Error| -> StoreError {
        match e.sqlite_error_code() {
            Some(
                rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::PermissionDenied,
            ) => {
                if !dir_writable(&dir) {
                    StoreError::ReadOnlyDirectory {
                        path: path.to_owned(),
                        dir: dir.clone(),
                    }
                } else {
                    StoreError::ReadOnly {
                        path: path.to_owned(),
                    }
                }
            }
            _ => sqlite_error(path, e),
        }
    };
    let conn = Connection::open_with_flags(path, flags).map_err(read_only)?;
    if conn
        .is_readonly(rusqlite::MAIN_DB)
        .map_err(|e| sqlite_error(path, e))?
    {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
        });
    }
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| sqlite_error(path, e))?;
    if !dir_writable(&dir) {
        // WAL needs `-wal` and `-shm` beside the store.
        return Err(StoreError::ReadOnlyDirectory {
            path: path.to_owned(),
            dir,
        });
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(read_only)?;
    Ok(conn)
}

/// Whether a file can be created in `dir` (tried, since root ignores permission bits and an
/// immutable or read-only-mounted directory refuses all the same).
fn dir_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".schedctl-probe-{}", std::process::id()));
    let ok = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .is_ok();
    if ok {
        let _ = std::fs::remove_file(&probe);
    }
    ok
}

/// An SQLite error, named by its store file: a full disk and a damaged file get variants of
/// their own.
fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full {
            path: path.to_owned(),
        },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            what: format!("{e} (restore it from a backup, or remove it to start afresh)"),
        },
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotAStore {
            path: path.to_owned(),
            reason: "it is not an SQLite file".into(),
        },
        _ => StoreError::Sqlite {
            path: path.to_owned(),
            error: e,
        },
    }
}

impl JobStore for SqliteStore {
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError> {
        let columns = if self.version >= 2 {
            "spec, next_run_time, paused, anchor, ended, removed, origin, file_spec"
        } else {
            "spec, next_run_time, paused, NULL, NULL, 0, 'file', NULL"
        };
        let fail = self.fail();
        let mut st = self
            .conn
            .prepare(&format!("SELECT {columns} FROM jobs ORDER BY id"))
            .map_err(&fail)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })
            .map_err(&fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (spec, next_run_time, paused, anchor, ended, removed, origin, file_spec) =
                row.map_err(&fail)?;
            let parse = |text: &str| -> Result<JobSpec, StoreError> {
                serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: format!("a job definition: {e}"),
                })
            };
            let spec = parse(&spec)?;
            let file_spec = file_spec.as_deref().map(parse).transpose()?;
            out.push(StoredJob {
                spec,
                next_run_time,
                paused: paused != 0,
                anchor,
                ended,
                removed: removed != 0,
                origin: Origin::from_name(&origin),
                file_spec,
            });
        }
        Ok(out)
    }

    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError> {
        SqliteStore::put_one(&self.conn, &self.path, job)
    }

    fn put_many(&mut self, jobs: &[StoredJob]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sqlite_error(&path, e))?;
        for job in jobs {
            SqliteStore::put_one(&tx, &path, job)?;
        }
        tx.commit().map_err(|e| sqlite_error(&path, e))
    }

    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE jobs SET next_run_time = ?2 WHERE id = ?1",
                params![id, next],
            )
            .map_err(self.fail())?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn remove(&mut self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM jobs WHERE id = ?1", params![id])
            .map_err(self.fail())?;
        if n == 0 {
            return Err(StoreError::NoSuchJob { id: id.into() });
        }
        Ok(())
    }

    fn generation(&mut self) -> Result<i64, StoreError> {
        // Asked after every finished run and every second: a cached statement.
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM schedctl_meta WHERE key = 'generation'")
            .and_then(|mut st| st.query_row([], |r| r.get(0)).optional())
            .map_err(self.fail())?
            .unwrap_or(0))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    /// The runner keeps `timezone` (the job file's zone, which `schedctl jobs add` uses by
    /// default) and `runner` (who holds the store).
    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        if self.version < 2 {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT value FROM schedctl_settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.fail())
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO schedctl_settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(self.fail())?;
        Ok(())
    }

    /// The runner checks the change counter every second.
    fn notify_runners(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE schedctl_meta SET value = value + 1 WHERE key = 'generation'",
                [],
            )
            .map_err(self.fail())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str) -> JobSpec {
        JobSpec::builder(id, "interval:seconds=1")
            .command(["true"])
            .build()
            .0
    }

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("schedctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn stored(id: &str) -> StoredJob {
        StoredJob::new(spec(id), Some(1), Some(0))
    }

    /// Every file in `dir`, with its bytes: what "left untouched" is checked against.
    fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| {
                let bytes = std::fs::read(e.path()).expect("read");
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn sqlite_round_trip_and_refusals() {
        let dir = scratch("store");
        let path = dir.join("jobs.db");
        {
            let mut s = SqliteStore::open_for_runner(&path).expect("new store");
            let mut a = stored("a");
            a.next_run_time = Some(5);
            a.origin = Origin::Command;
            a.ended = Some("its trigger has no more fires".into());
            s.put(&a).expect("put");
            s.set_next_run_time("a", Some(7)).expect("update");
            assert!(matches!(
                s.set_next_run_time("zz", None),
                Err(StoreError::NoSuchJob { .. })
            ));
        }
        let mut s = SqliteStore::open(&path).expect("reopen");
        let a = &s.load().expect("load")[0];
        assert_eq!(a.next_run_time, Some(7));
        assert_eq!(a.anchor, Some(0));
        assert_eq!(a.origin, Origin::Command);
        assert_eq!(a.ended.as_deref(), Some("its trigger has no more fires"));
        let g = s.generation().expect("generation");
        s.notify_runners().expect("bump");
        assert_eq!(s.generation().expect("generation"), g + 1);
        drop(s);

        let garbage = dir.join("garbage.db");
        std::fs::write(&garbage, b"this is not sqlite at all, not even close").expect("write");
        for open in [SqliteStore::open, SqliteStore::open_for_runner] {
            let err = open(&garbage).expect_err("not a store");
            assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
        }
        assert_eq!(
            std::fs::read(&garbage).expect("read"),
            b"this is not sqlite at all, not even close"
        );
    }

    /// A store is checked read-only before anything is written: a newer schema, another
    /// program's database, a file with only a view, and (for `schedctl jobs`) an empty file
    /// are refused, and the directory is left byte for byte as it was: no WAL switch, no
    /// table, no lock file.
    #[test]
    fn stores_are_checked_before_anything_is_written() {
        let dir = scratch("refused");
        let newer = dir.join("newer.db");
        drop(SqliteStore::open_for_runner(&newer).expect("create"));
        let c = Connection::open(&newer).expect("open");
        c.execute(
            "UPDATE schedctl_meta SET value = 99 WHERE key = 'schema_version'",
            [],
        )
        .expect("bump");
        c.pragma_update(None, "journal_mode", "DELETE")
            .expect("journal");
        drop(c);
        let other = dir.join("other.db");
        let c = Connection::open(&other).expect("create");
        c.pragma_update(None, "user_version", 7).expect("version");
        drop(c);
        let view = dir.join("view.db");
        let c = Connection::open(&view).expect("create");
        c.execute_batch("CREATE VIEW v AS SELECT 1").expect("view");
        drop(c);
        let empty = dir.join("empty.db");
        std::fs::write(&empty, b"").expect("empty");
        let before = snapshot(&dir);

        for open in [SqliteStore::open, SqliteStore::open_for_runner] {
            let err = open(&newer).expect_err("newer");
            assert!(
                matches!(err, StoreError::TooNew { found: 99, .. }),
                "{err:?}"
            );
            let err = open(&other).expect_err("another program's");
            assert!(
                err.to_string().contains("another program's database"),
                "{err}"
            );
            let err = open(&view).expect_err("a view");
            assert!(err.to_string().contains("view `v`"), "{err}");
        }
        let err = SqliteStore::open(&empty).expect_err("jobs never creates stores");
        assert!(err.to_string().contains("the file is empty"), "{err}");
        let missing = dir.join("missing.db");
        let err = SqliteStore::open(&missing).expect_err("missing");
        assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
        assert_eq!(snapshot(&dir), before, "nothing written, nothing created");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Each fault names the file and its true cause.
    #[test]
    fn store_errors_name_the_file_and_the_cause() {
        let dir = scratch("faults");
        let in_missing_dir = dir.join("nope").join("jobs.db");
        let err = SqliteStore::open_for_runner(&in_missing_dir).expect_err("no dir");
        assert!(matches!(err, StoreError::NoDirectory { .. }), "{err:?}");
        assert!(err.to_string().contains("nope` does not exist"), "{err}");
        let err = SqliteStore::open_for_runner(&dir).expect_err("a directory");
        assert!(matches!(err, StoreError::IsADirectory { .. }), "{err:?}");
        assert!(err.to_string().contains("is a directory"), "{err}");

        let locked = dir.join("locked");
        std::fs::create_dir_all(&locked).expect("dir");
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&locked)
            .status()
            .is_ok_and(|s| s.success());
        if immutable {
            let err = SqliteStore::open_for_runner(&locked.join("jobs.db")).expect_err("ro dir");
            assert!(
                matches!(err, StoreError::ReadOnlyDirectory { .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains("is not writable"), "{err}");
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&locked)
                .status();
        } else {
            eprintln!("note: cannot make a directory read-only here (no chattr); skipped");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A version 1 store (schedctl 0.1's) is migrated when opened for writing, its jobs kept.
    #[test]
    fn a_version_1_store_is_migrated_with_its_jobs() {
        let dir = scratch("migrate");
        let path = dir.join("jobs.db");
        let c = Connection::open(&path).expect("create");
        let spec = serde_json::to_string(&spec("a")).expect("json");
        c.execute_batch(&format!(
            "CREATE TABLE schedctl_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE jobs (id TEXT PRIMARY KEY, spec TEXT NOT NULL, next_run_time INTEGER, paused INTEGER NOT NULL DEFAULT 0);
             INSERT INTO schedctl_meta VALUES ('schema_version', 1), ('generation', 3);
             INSERT INTO jobs VALUES ('a', '{spec}', 42, 1);"
        ))
        .expect("v1");
        drop(c);
        let mut read = SqliteStore::open_existing(&path, false).expect("read-only");
        assert_eq!(read.load().expect("load")[0].next_run_time, Some(42));
        drop(read);
        let mut s = SqliteStore::open(&path).expect("migrates");
        let a = &s.load().expect("load")[0];
        assert_eq!(
            (a.next_run_time, a.paused, a.anchor),
            (Some(42), true, None)
        );
        assert_eq!(a.origin, Origin::File);
        assert!(a.is_active());
        assert_eq!(s.generation().expect("generation"), 3);
        s.set_setting("timezone", "Europe/Berlin").expect("setting");
        assert_eq!(
            s.setting("timezone").expect("setting").as_deref(),
            Some("Europe/Berlin")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// SQLite's size limit gives the very error a full disk gives (SQLITE_FULL), on any
    /// machine: the write is rolled back and every committed job survives; a batch of jobs
    /// is written whole or not at all.
    #[test]
    fn a_full_disk_fails_the_write_and_keeps_the_last_committed_state() {
        let dir = scratch("full");
        let path = dir.join("jobs.db");
        let mut s = SqliteStore::open_for_runner(&path).expect("new store");
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
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        assert!(err
            .to_string()
            .contains(&format!("the job store `{}` is full", path.display())));
        let mut moved = stored("a");
        moved.next_run_time = Some(11);
        let err = s
            .put_many(&[moved, big])
            .expect_err("the batch does not fit");
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        // The next run time of a job already there still fits in its page.
        s.set_next_run_time("b", Some(9)).expect("update in place");
        drop(s);
        let mut s = SqliteStore::open(&path).expect("reopen");
        let jobs = s.load().expect("load");
        let ids: Vec<&str> = jobs.iter().map(|j| j.spec.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            jobs[0].next_run_time,
            Some(1),
            "the failed batch left `a` as it was"
        );
        assert_eq!(jobs[1].next_run_time, Some(9));
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
        drop(SqliteStore::open_for_runner(&path).expect("new store"));
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
            let err = SqliteStore::open_for_runner(&path).expect_err("read-only");
            assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
            assert!(err.to_string().contains("is read-only"), "{err}");
            assert_eq!(std::fs::read(&path).expect("read"), before);
            // Listing needs no write.
            let mut list = SqliteStore::open_existing(&path, false).expect("lists");
            assert!(list.load().expect("load").is_empty());
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
    /// first holds the store — by the same path, through a symlink or through a hard link,
    /// since the lock is on the file itself — and gets it once the first lets go.
    /// `schedctl jobs` still opens it meanwhile.
    #[test]
    fn a_second_runner_is_refused_while_the_first_holds_the_store() {
        let dir = scratch("lock");
        let path = dir.join("jobs.db");
        let first = SqliteStore::open_for_runner(&path).expect("first runner");
        let symlink = dir.join("symlink.db");
        std::os::unix::fs::symlink(&path, &symlink).expect("symlink");
        let hard = dir.join("hard.db");
        std::fs::hard_link(&path, &hard).expect("hard link");
        for other in [&path, &symlink, &hard] {
            // Refused by the lock before anything else is looked at.
            let err = SqliteStore::open_for_runner(other).expect_err("second runner");
            // (Who holds it is named across processes: cli/tests/lifecycle.rs. Inside one
            // process SQLite cannot open a second handle on a file this process flocked.)
            assert!(matches!(err, StoreError::InUse { .. }), "{err:?}");
            assert!(err.to_string().contains("in use by another schedctl run"));
        }
        drop(first);
        // Free again; but never through a second name of the file, whose write-ahead log
        // SQLite would keep apart.
        let err = SqliteStore::open_for_runner(&hard).expect_err("a hard link");
        assert!(
            matches!(err, StoreError::HardLinked { links: 2, .. }),
            "{err:?}"
        );
        std::fs::remove_file(&hard).expect("unlink");
        let first = SqliteStore::open_for_runner(&path).expect("first runner again");
        let mut jobs_command = SqliteStore::open(&path).expect("jobs list still opens it");
        jobs_command.put(&stored("a")).expect("and changes it");
        drop(first);
        let mut again = SqliteStore::open_for_runner(&symlink).expect("free again");
        assert_eq!(again.load().expect("load").len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
