//! The state every part of a running emulator shares: configuration, secrets, the [`World`]
//! behind one mutex (never held across an await), the persistence generation counter, the
//! registry of live job process groups, and the flags that stop writes after a shutdown or a
//! simulated crash. Debug output of this type is deliberately absent: it holds the bearer token and
//! the blob-signing key.

use super::faults::FaultSpec;
use super::model::World;
use super::store::{self, Paths};
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;
use url::Url;

pub struct Shared {
    pub speed: f64,
    /// Base URL with a trailing slash.
    pub base: Url,
    pub token: String,
    pub blob_key: Vec<u8>,
    pub paths: Paths,
    world: Mutex<World>,
    generation: AtomicU64,
    written: tokio::sync::Mutex<u64>,
    /// Live process groups by job key (`{ws_key}/{job}`).
    pub procs: Mutex<HashMap<String, Vec<i32>>>,
    /// Wakes the simulation loop early (after a request changed something).
    pub wake: Notify,
    /// Set by `shutdown()`: job exits caused by the shutdown are not recorded.
    pub stopping: AtomicBool,
    /// Set when the handle is dropped without shutdown: nothing is written any more.
    pub dead: AtomicBool,
    pub faults: Option<FaultSpec>,
    pub fault_seq: AtomicU64,
    /// Tasks waiting on job processes.
    pub runners: Tracker,
    /// The thread that forks job processes (so they die with the emulator).
    pub spawner: super::procs::Spawner,
    /// When the last request arrived (ms since the epoch), for the idle stop.
    pub last_request_ms: std::sync::atomic::AtomicI64,
}

pub type Sh = Arc<Shared>;

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        speed: f64,
        base: Url,
        token: String,
        blob_key: Vec<u8>,
        paths: Paths,
        world: World,
        faults: Option<FaultSpec>,
    ) -> Shared {
        Shared {
            speed,
            base,
            token,
            blob_key,
            paths,
            world: Mutex::new(world),
            generation: AtomicU64::new(0),
            written: tokio::sync::Mutex::new(0),
            procs: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            faults,
            fault_seq: AtomicU64::new(0),
            runners: Tracker::default(),
            spawner: super::procs::Spawner::default(),
            last_request_ms: std::sync::atomic::AtomicI64::new(super::model::now_ms()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn procs(&self) -> MutexGuard<'_, HashMap<String, Vec<i32>>> {
        self.procs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A simulated delay of `secs` seconds at speed 1, in milliseconds at the configured speed.
    pub fn ms(&self, secs: f64) -> i64 {
        scaled_ms(secs, self.speed)
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// The base URL without its trailing slash (`http://127.0.0.1:1234`).
    pub fn base_str(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// An absolute URL for a path relative to the base (no leading slash).
    pub fn abs(&self, rel: &str) -> String {
        format!("{}{}", self.base.as_str(), rel.trim_start_matches('/'))
    }

    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// Writes the current world to disk crash-safely. Snapshots are numbered under the world lock
    /// so an older snapshot never overwrites a newer one.
    pub async fn persist(&self) -> Result<(), String> {
        if self.is_dead() {
            return Ok(());
        }
        let (bytes, generation) = {
            let world = self.lock();
            let bytes = serde_json::to_vec(&*world).map_err(|e| e.to_string())?;
            (bytes, self.generation.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let mut written = self.written.lock().await;
        if *written >= generation || self.is_dead() {
            return Ok(());
        }
        let path = self.paths.state();
        tokio::task::spawn_blocking(move || store::write_atomic(&path, &bytes))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        *written = generation;
        Ok(())
    }
}

pub fn scaled_ms(secs: f64, speed: f64) -> i64 {
    ((secs * 1000.0) / speed).round().max(1.0) as i64
}

/// Counts spawned tasks so shutdown can wait for them (a small stand-in for tokio-util's
/// `TaskTracker`, which needs a feature this crate does not enable).
#[derive(Clone, Default)]
pub struct Tracker {
    inner: Arc<TrackerInner>,
}

#[derive(Default)]
struct TrackerInner {
    live: AtomicUsize,
    idle: Notify,
}

struct TrackerGuard(Arc<TrackerInner>);

impl Drop for TrackerGuard {
    fn drop(&mut self) {
        if self.0.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Tracker {
    pub fn spawn<F>(&self, fut: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.inner.live.fetch_add(1, Ordering::SeqCst);
        let guard = TrackerGuard(self.inner.clone());
        tokio::spawn(async move {
            let _guard = guard;
            fut.await;
        });
    }

    /// Resolves when no tracked task is left.
    pub async fn wait(&self) {
        loop {
            let notified = self.inner.idle.notified();
            if self.inner.live.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}
