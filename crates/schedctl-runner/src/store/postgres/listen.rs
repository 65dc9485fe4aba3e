//! LISTEN/NOTIFY: a runner hears of `schedctl jobs` changes made on any host at once.
//!
//! A thread with its own connection listens on the store's channel and wakes the scheduler,
//! which then reloads the store (the change counter in `schedctl_meta` says whether anything
//! changed). Without it, or while its connection is down, the scheduler's once-a-second check
//! of that counter still picks every change up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Config;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::Waker;

/// The listening thread.
pub(super) struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Listens on `channel` and calls `waker` at each notification.
    pub(super) fn start(
        config: Config,
        tls: MakeRustlsConnect,
        channel: String,
        waker: Waker,
    ) -> Listener {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let listen = format!("LISTEN \"{}\"", channel.replace('"', "\"\""));
                let mut client = match config.connect(tls.clone()) {
                    Ok(c) => c,
                    Err(_) => {
                        pause(&flag);
                        continue;
                    }
                };
                if client.batch_execute(&listen).is_err() {
                    pause(&flag);
                    continue;
                }
                // Changes made while this connection was down: look once.
                waker();
                while !flag.load(Ordering::Relaxed) {
                    let heard = client
                        .notifications()
                        .timeout_iter(Duration::from_millis(250))
                        .next();
                    match heard {
                        Ok(Some(_)) => waker(),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                    if client.is_closed() {
                        break;
                    }
                }
            }
        });
        Listener {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the thread (within a quarter of a second).
    pub(super) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A second between connection attempts, cut short by a stop.
fn pause(stop: &AtomicBool) {
    for _ in 0..4 {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
