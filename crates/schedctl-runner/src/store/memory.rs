//! The memory store: jobs that live as long as the runner.

use std::collections::BTreeMap;

use super::{JobStore, StoreError, StoredJob};

/// Jobs in memory: rebuilt from the job file at every start.
#[derive(Debug, Default)]
pub struct MemoryStore {
    jobs: BTreeMap<String, StoredJob>,
}

impl JobStore for MemoryStore {
    fn load(&mut self) -> Result<Vec<StoredJob>, StoreError> {
        Ok(self.jobs.values().cloned().collect())
    }

    fn put(&mut self, job: &StoredJob) -> Result<(), StoreError> {
        self.jobs.insert(job.spec.id.clone(), job.clone());
        Ok(())
    }

    fn set_next_run_time(&mut self, id: &str, next: Option<i64>) -> Result<(), StoreError> {
        let job = self
            .jobs
            .get_mut(id)
            .ok_or_else(|| StoreError::NoSuchJob { id: id.into() })?;
        job.next_run_time = next;
        Ok(())
    }

    fn remove(&mut self, id: &str) -> Result<(), StoreError> {
        self.jobs
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| StoreError::NoSuchJob { id: id.into() })
    }

    fn generation(&mut self) -> Result<i64, StoreError> {
        Ok(0)
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}
