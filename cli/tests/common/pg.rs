//! A scratch PostgreSQL database per test, dropped at the end.
//!
//! The server is `SCHEDCTL_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`,
//! the development and CI machines' server). Without one, a test says it was skipped and why;
//! under `CI=true` a missing server fails the test, so CI always runs them.

use postgres::{Client, NoTls};

/// A database that exists for one test.
pub(crate) struct TestDb {
    /// Its URL, for `--store`.
    pub(crate) url: String,
    name: String,
    admin: String,
}

/// The server's admin URL.
pub(crate) fn admin_url() -> String {
    std::env::var("SCHEDCTL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A connection to the admin database, or none (skipped) when the server does not answer.
pub(crate) fn admin(test: &str) -> Option<Client> {
    let url = admin_url();
    match Client::connect(&url, NoTls) {
        Ok(c) => Some(c),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: PostgreSQL is required under CI=true and {url} does not answer: {e}")
        }
        Err(e) => {
            eprintln!(
                "skipped {test}: no PostgreSQL at {url} ({e}); start one or set SCHEDCTL_TEST_POSTGRES"
            );
            None
        }
    }
}

/// A fresh database named after the test, or none (skipped).
pub(crate) fn database(test: &str) -> Option<TestDb> {
    let mut c = admin(test)?;
    let name = format!("schedctl_t_{test}_{}", std::process::id());
    // One statement per call: DROP/CREATE DATABASE refuse to run in a multi-statement batch.
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .expect("drop a leftover test database");
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    let admin = admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(TestDb {
        url: format!("{base}/{name}"),
        name,
        admin,
    })
}

impl TestDb {
    /// A connection to the test database (to look at or tamper with the tables).
    pub(crate) fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
