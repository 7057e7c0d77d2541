//! A local emulator of the Azure Machine Learning REST API: the ARM control plane for workspaces,
//! computes, VM sizes, usages, quotas, v2 jobs, code and environment assets and datastores, plus
//! the data plane a log tail needs (discovery, run-history run details, signed blob URLs served
//! with HTTP Range) and the Blob Storage surface a code upload needs. An official
//! Azure SDK or `amlc` itself pointed at [`EmulatorHandle::url`] works against it: payloads follow
//! the shapes in the API reference, long-running operations answer with `Azure-AsyncOperation`,
//! `Location` and `Retry-After`, and errors use ARM's `{"error":{code,message}}`.
//!
//! This module owns the server, its state machines and its data directory. It must not touch
//! anything outside the data directory (job working directories live under it too), must never
//! log the bearer token or secrets of computes, and never talks to the network beyond its own
//! listener.
//!
//! # Routes (`{WS}` = `subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`)
//!
//! | route | auth |
//! |---|---|
//! | `GET /health`, `GET /discovery` | open |
//! | `GET /blob/{workspaceId}/ExperimentRun/dcid.{run}/{file}?…&se=…&sig=…` (Range) | signature |
//! | `GET /subscriptions`, `GET /subscriptions/{sub}/resourceGroups`, workspace lists | bearer + api-version |
//! | `GET`/`PUT {WS}` | bearer + api-version |
//! | `GET {WS}/computes[?$skip=]`, `GET`/`PUT`/`PATCH`/`DELETE {WS}/computes/{name}` | bearer + api-version |
//! | `POST {WS}/computes/{name}/{start,stop,restart,listNodes,listKeys,resize,getAllowedVmSizesForResize,updateIdleShutdownSetting,customServices,updateDataMounts}` | bearer + api-version |
//! | `GET {WS}/jobs[?$skip=&listViewType=&jobType=&tag=]`, `GET`/`PUT`/`DELETE {WS}/jobs/{name}`, `POST …/cancel` | bearer + api-version |
//! | `GET {WS}/codes`, `GET {WS}/codes/{name}`, `GET {WS}/codes/{name}/versions[?hash=&hashVersion=&$orderBy=&$top=]`, `GET`/`PUT {WS}/codes/{name}/versions/{version}`, `POST …/versions/{version}/startPendingUpload` | bearer, any api-version |
//! | `GET {WS}/environments`, `GET {WS}/environments/{name}`, `GET {WS}/environments/{name}/versions[?$orderBy=&$top=]`, `GET`/`PUT {WS}/environments/{name}/versions/{version}` | bearer, any api-version |
//! | `GET {WS}/datastores[?isDefault=]`, `GET {WS}/datastores/{name}`, `POST {WS}/datastores/{name}/listSecrets` | bearer, any api-version |
//! | `PUT`/`GET`/`HEAD /storage/{account}/{container}/{blob}[?comp=block\|blocklist\|metadata]`, `GET /storage/{account}/{container}[/{folder}]?restype=container&comp=list` | SAS or bearer |
//! | `GET subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{loc}/{vmSizes,usages,quotas}`, `POST …/updateQuotas` | bearer + api-version |
//! | `GET …/locations/{loc}/{computeOperationsStatus,mfeOperationsStatus}/{id}` (status body) and `…/{computeOperationsResult,mfeOperationResults}/{id}` (202 while running, then 200/204) | bearer + api-version |
//! | `GET /history/v1.0/{WS}/runs/{run}[/details]` | bearer |
//!
//! # What is simulated, and how
//!
//! - Every delay is scaled by `speed` (see `sim.rs` for the table: at speed 1 an instance takes
//!   about 3.5 s to create, start/stop 2.5 s, a cluster node 4 s to become idle). Deadlines are
//!   stored as wall-clock timestamps, so after a restart operations in flight simply finish.
//!   Operations answer `Retry-After: 1`, and above speed 1 also `retry-after-ms` scaled alike.
//! - Computes: `provisioningState` Creating → Succeeded, or Failed with `provisioningErrors`
//!   (`OutOfQuota` when the VM family's vCPU quota would be exceeded); instances go Creating →
//!   SettingUp → Running and through Starting/Stopping/Restarting with `lastOperation` kept
//!   current (InProgress, then Succeeded or `StartFailed`…, trigger User or IdleShutdown); an
//!   action in the wrong state or while another runs is 409 Conflict naming the state. They stop
//!   by themselves after `idleTimeBeforeShutdown` (`updateIdleShutdownSetting` sets it, `null`
//!   clears it); attached kinds end Succeeded with `isAttachedCompute`. `DELETE` needs
//!   `underlyingResourceAction`: `Detach` removes an attached compute from the workspace and is
//!   refused (400) for a managed one; `Delete` goes Deleting, then the compute is gone.
//! - Clusters autoscale from job demand between `minNodeCount` and `maxNodeCount`, within the
//!   family's vCPU quota: nodes are allocated (counted in `targetNodeCount` only, `allocationState`
//!   Resizing), then preparing, idle, running; idle nodes leave after
//!   `nodeIdleTimeBeforeScaleDown` (Resizing again while they go). A PATCH of the scale
//!   settings is an operation (provisioningState Updating) and the nodes follow the new bounds:
//!   up to a raised minimum, idle nodes above a lowered maximum leave at once. `currentNodeCount`,
//!   `nodeStateCounts` and `listNodes` are derived from one node list, so they always agree.
//! - Jobs queue until their compute has room: enough idle cluster nodes, a Running instance that
//!   runs no other job, or at once on Kubernetes/AKS and serverless (no `computeId`). One failed
//!   rank ends the others. `limits.timeout` is the user's own limit and is not scaled by `speed`.
//!   `${{inputs.x}}` (literal value or uri) and `${{outputs.x}}` (a local folder) are substituted
//!   in the command.
//! - Command jobs run for real: one `/bin/sh -c` process per rank, each in its own process group,
//!   in `<data>/runs/<workspaceId>/<job>/`, with output in `user_logs/std_log_process_N.txt`.
//!   A job whose `codeId` names a code version runs in a copy of that snapshot: before the ranks
//!   start, the blobs under its `codeUri` are copied into the run folder (the working directory,
//!   as Azure ML runs the command in the code folder; marked by `.amlc-snapshot`, so a restarted
//!   job keeps its copy). `uri_file`/`uri_folder` inputs on the workspace's datastore
//!   (`azureml://datastores/workspaceblobstore/paths/…`) are copied to `inputs/<name>` (a file
//!   input to `inputs/<name>/<file name>`) and `${{inputs.name}}` is that local path; other
//!   uris stay verbatim. Ranks: `instanceCount` × `processCountPerInstance` for PyTorch and MPI
//!   (RANK, LOCAL_RANK, WORLD_SIZE, NODE_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a
//!   MASTER_PORT per job; MPI adds `OMPI_COMM_WORLD_*`), TensorFlow's workers and parameter
//!   servers with `TF_CONFIG`, else one per instance. At PUT a `codeId` naming no code version is
//!   404 and an `environmentId` naming a missing workspace environment version 400 (curated
//!   `azureml:…` and registry ids are taken as given); the image itself is not used.
//! - Assets (`assets.rs`): a code version PUT creates its container, answers 201, then 200 for
//!   the same `codeUri` and 409 "Asset paths cannot be updated." for another; its `codeUri` must
//!   point at uploaded blobs. The list by `hash` searches every code version of the workspace,
//!   whatever the name. `startPendingUpload` hands out a fresh `LocalUpload/<guid>` folder of the
//!   default container with a SAS scoped to it (8 h). Environment versions are immutable (same
//!   definition 200, another 409) and need exactly one of `image`/`build`; anonymous assets are
//!   hidden from container lists; versions list newest first (`$orderBy=createdtime asc`
//!   reverses), `$top` cuts. Every workspace has the datastore `workspaceblobstore` (AzureBlob,
//!   SAS credentials, account = its storage account's name, container
//!   `azureml-blobstore-<workspaceId>`), derived rather than stored, so older state has it too;
//!   `listSecrets` gives a container SAS (1 h, or `expireAfterHours`). The demo workspace has
//!   `sklearn-env` 1 and 2 and `pytorch-env` 1.
//! - Blob Storage (`storage.rs`, `blobstore.rs`): path-style at `/storage/{account}/{container}/
//!   {blob}` with the status codes of submit.md §10 and storage-shaped errors. Blobs live under
//!   `<data>/blobs/<account>/<container>/` (data file + JSON sidecar written last and atomically,
//!   uncommitted blocks staged apart); bodies are streamed to disk, at most 256 MiB a request
//!   (413 beyond); names with `..`, empty segments, a leading `/` or NUL are 400.
//!   Status goes NotStarted, Queued, Preparing, Running, Finalizing, then Completed or Failed by exit
//!   code; cancel kills the process groups (CancelRequested until they exit) and ends Canceled;
//!   a cancel of an ended job is 200 with nothing done. Archiving is a PUT with `isArchived`;
//!   `listViewType` ActiveOnly (default), ArchivedOnly or All filters on it. Job processes die
//!   with the emulator even when it is killed (`procs.rs`: parent-death signal, and a watchdog
//!   per process group).
//! - Persistence: `state.json` is rewritten atomically (temp file, fsync, rename) after every
//!   change. A clean stop (shutdown, idle stop, SIGTERM, SIGINT) records its running jobs as
//!   stopped on purpose: the next emulator on the data directory starts them again without
//!   counting anything. Jobs that were running when the emulator **crashed** are restarted too (a
//!   new attempt in the same working directory, noted in the run's warnings), at most three
//!   crashes, then Failed with `EmulatorRestarted`; leftover processes are killed first.
//! - Security: a bearer token, generated once per data directory and kept in `<data>/token`
//!   (0600) across restarts so clients go on working; replaced only when asked
//!   ([`EmulatorConfig::rotate_token`]) or given ([`EmulatorConfig::token`]). Blob URLs carry an
//!   HMAC-SHA256 signature made with `<data>/blob.key`; so are the storage SAS tokens (scoped to
//!   a container or a folder, with expiry and permissions checked; see `storage.rs`), and the
//!   bearer token is accepted on `/storage` too. Signatures are never logged. `--tls` serves HTTPS with a self-signed
//!   certificate in `<data>/tls/`. Listening beyond loopback is the binary's decision (it demands
//!   an explicit token and warns).
//! - One emulator per data directory: [`start`] takes an exclusive `flock` on `<data>/lock` before
//!   touching anything else there and holds it while the emulator lives (the kernel releases it
//!   when the handle is dropped or the process dies); a second start fails with
//!   [`EmulatorError::Locked`]. Once listening, the base URL is written to `<data>/url` and the
//!   process id to `<data>/pid` (0600), both removed at shutdown, so [`running_instance`] lets
//!   another process reuse the live emulator. The port is kept in `<data>/port` and re-bound by
//!   the next start when free, so clients keep their URL.
//! - Stopping by itself: after [`EmulatorConfig::idle_timeout`] without a request (a clean stop),
//!   or when the data directory is removed or replaced (a test's temporary directory: then nothing
//!   more is written, so nothing is re-created). [`background`] runs the shared emulator every
//!   amlc without a workspace uses, as a detached process that relies on both.
//! - Faults (`FaultSpec`) add latency, 500s, 429s with `Retry-After` and dropped connections to
//!   every route but `/health`, reproducibly for a seed. A faulted request never reaches its
//!   handler, so a retried PUT is never applied twice.
//!
//! Not emulated: datastores other than `workspaceblobstore` (no datastore PUT), run artifacts in
//! blob storage (jobs carry no `outputs.default`, and a log tail uses the run's `logFiles`),
//! environment image builds (a job runs with the emulator's own shell whatever its environment),
//! outputs uploaded to the datastore, MLflow, endpoints, job types other than command jobs.

mod arm;
mod assets;
pub mod background;
mod blobstore;
mod catalog;
mod demo;
mod faults;
mod history;
mod http;
mod jobs;
mod model;
mod procs;
mod runner;
mod server;
mod shared;
mod sim;
mod storage;
mod store;
mod tls;

pub use faults::{Fate, FaultSpec};

use shared::{Sh, Shared};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use url::Url;

pub const DEMO_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub const DEMO_RESOURCE_GROUP: &str = "demo-rg";
pub const DEMO_WORKSPACE: &str = "demo-ws";
pub const DEMO_LOCATION: &str = "eastus";

/// How to run an emulator.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Address to listen on (default 127.0.0.1).
    pub bind: IpAddr,
    /// Port, 0 for an ephemeral one.
    pub port: u16,
    /// Where all state, logs, the token and TLS material live.
    pub data_dir: PathBuf,
    /// Seed the demo workspace (idempotent).
    pub demo: bool,
    /// Time speed-up: every simulated delay is divided by it (must be > 0).
    pub speed: f64,
    /// Serve HTTPS with a self-signed certificate.
    pub tls: bool,
    pub faults: Option<FaultSpec>,
    /// Bearer token to require. When None, the data directory's `token` file is reused (a new
    /// one is generated only the first time), so clients keep working across restarts.
    pub token: Option<String>,
    /// Replace the data directory's token with a new random one (ignored when `token` is given).
    pub rotate_token: bool,
    /// Stop by itself (cleanly) after no request arrived for this long.
    pub idle_timeout: Option<Duration>,
}

impl EmulatorConfig {
    /// Defaults: loopback, ephemeral port, no demo, speed 1, no TLS, no faults, generated token.
    pub fn new(data_dir: impl Into<PathBuf>) -> EmulatorConfig {
        EmulatorConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            data_dir: data_dir.into(),
            demo: false,
            speed: 1.0,
            tls: false,
            faults: None,
            token: None,
            rotate_token: false,
            idle_timeout: None,
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("demo", &self.demo)
            .field("speed", &self.speed)
            .field("tls", &self.tls)
            .field("faults", &self.faults)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("rotate_token", &self.rotate_token)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    #[error("emulator data directory {path}: {message}")]
    DataDir { path: PathBuf, message: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error(
        "another amlc emulator is using the data directory {data_dir} (it holds {data_dir}/lock, \
         its process id is in {data_dir}/pid); stop it or choose another data directory"
    )]
    Locked { data_dir: PathBuf },
}

/// A running emulator. Dropping it without [`EmulatorHandle::shutdown`] behaves like a crash:
/// nothing more is written, connections close, and job processes are killed (best effort).
pub struct EmulatorHandle {
    life: Arc<Lifecycle>,
    url: Url,
    local: SocketAddr,
    cert: Option<PathBuf>,
    /// The `flock` on `<data>/lock`; dropped (released) last, with the handle.
    _lock: store::DirLock,
}

/// What stopping needs, shared by the handle and the task that stops an idle emulator or one
/// whose data directory was removed.
struct Lifecycle {
    sh: Sh,
    cancel: CancellationToken,
    tasks: shared::Tracker,
    /// Set as soon as a stop begins (read by `Drop`).
    finished: std::sync::atomic::AtomicBool,
    /// Held by the stop in progress, so a second caller waits for it to end.
    stopping: tokio::sync::Mutex<()>,
}

impl Lifecycle {
    /// The clean stop: no new job process starts, running jobs are recorded as stopped on
    /// purpose (the next start runs them again without counting a crash), their processes are
    /// ended, the state is saved and the `url`/`pid` files removed. Runs once.
    async fn stop(&self) {
        let _guard = self.stopping.lock().await;
        if self.finished.swap(true, Ordering::SeqCst) {
            return;
        }
        let sh = &self.sh;
        sh.stopping.store(true, Ordering::SeqCst);
        self.cancel.cancel();
        // First, so that no client takes this emulator for a live one while it winds down (a
        // leftover file would be harmless: `running_instance` checks the lock first).
        for path in [sh.paths.url(), sh.paths.pid()] {
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("emulator: could not remove {}: {e}", path.display());
            }
        }
        runner::kill_all_now(sh);
        let _ = tokio::time::timeout(Duration::from_secs(5), sh.runners.wait()).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.tasks.wait()).await;
        // After the simulation loop ended, so a job it moved to Running meanwhile is included.
        runner::mark_stopped_on_purpose(sh);
        runner::kill_all_now(sh);
        if let Err(e) = sh.persist().await {
            tracing::error!("emulator: could not save state at shutdown: {e}");
        }
    }
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("url", &self.url.as_str())
            .field("local", &self.local)
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The base URL, with a trailing slash (`http://127.0.0.1:PORT/`). When listening on every
    /// interface this names loopback, which is what local clients use.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The address actually listened on (`0.0.0.0:PORT` when bound to every interface).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The bearer token clients must send. Never log it.
    pub fn token(&self) -> &str {
        &self.life.sh.token
    }

    /// The self-signed certificate (PEM) when serving TLS.
    pub fn cert_pem_path(&self) -> Option<&Path> {
        self.cert.as_deref()
    }

    /// Whether the emulator has stopped (or begun stopping), by a call or by itself (idle, or
    /// its data directory removed).
    pub fn is_stopped(&self) -> bool {
        self.life.finished.load(Ordering::SeqCst) || self.life.cancel.is_cancelled()
    }

    /// Resolves when the emulator begins stopping by itself (idle timeout, data directory
    /// removed) or because a stop was asked for; then [`EmulatorHandle::shutdown`] finishes it.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.life.cancel.clone().cancelled_owned()
    }

    /// Stops serving, ends job processes, waits for them and saves the state. Jobs that were running
    /// are started again by the next emulator on the same data directory, without counting a crash.
    pub async fn shutdown(self) {
        self.life.stop().await;
    }

    /// Serves until Ctrl-C or SIGTERM, or until it stops by itself (idle timeout, data directory
    /// removed), then shuts down cleanly.
    pub async fn wait(self) {
        let cancel = self.life.cancel.clone();
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let sigterm = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm => {}
            _ = cancel.cancelled() => {}
        }
        self.life.stop().await;
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if !self.life.finished.load(Ordering::SeqCst) {
            self.life.sh.dead.store(true, Ordering::SeqCst);
            self.life.cancel.cancel();
            runner::kill_all_now(&self.life.sh);
        }
    }
}

/// The identity (device, inode) of a directory, to notice it was removed or replaced.
fn dir_identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

/// Stops the emulator by itself: when no request came for `idle` (a clean stop), or when its
/// data directory was removed or replaced (a test's temporary directory deleted under it: then
/// nothing more is written, so nothing is re-created there).
async fn watch_idle_and_data_dir(
    life: Arc<Lifecycle>,
    idle: Option<Duration>,
    dir_id: Option<(u64, u64)>,
) {
    let period = idle
        .map(|i| (i / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)))
        .unwrap_or(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = life.cancel.cancelled() => return,
            _ = tokio::time::sleep(period) => {}
        }
        if dir_id.is_some() && dir_identity(&life.sh.paths.root) != dir_id {
            tracing::warn!(
                "emulator: the data directory {} was removed; stopping",
                life.sh.paths.root.display()
            );
            life.sh.dead.store(true, Ordering::SeqCst);
            life.stop().await;
            return;
        }
        if let Some(idle) = idle {
            let last = life.sh.last_request_ms.load(Ordering::SeqCst);
            let quiet = model::now_ms().saturating_sub(last);
            if quiet >= idle.as_millis() as i64 {
                tracing::info!("emulator: no request for {} s; stopping", idle.as_secs());
                life.stop().await;
                return;
            }
        }
    }
}

/// The token to serve: the given one, else the data directory's (generated the first time, or
/// when `rotate` asks for a new one).
fn choose_token(config: &EmulatorConfig, paths: &store::Paths) -> Result<String, EmulatorError> {
    let valid = |t: &str| !t.is_empty() && !t.chars().any(char::is_whitespace);
    if let Some(t) = &config.token {
        if !valid(t) {
            return Err(EmulatorError::Config(
                "the token must be non-empty and contain no whitespace".into(),
            ));
        }
        return Ok(t.clone());
    }
    let token_file = paths.token();
    let exposed = token_file.exists() && !store::private_to_us(&token_file);
    if exposed {
        tracing::warn!(
            path = %token_file.display(),
            "the emulator token file was readable by others or not ours: a new token replaces it"
        );
    }
    if !config.rotate_token
        && !exposed
        && let Ok(Some(bytes)) = store::read_secret(&token_file)
        && let Ok(text) = String::from_utf8(bytes)
        && valid(text.trim())
    {
        return Ok(text.trim().to_string());
    }
    random_hex(32)
}

/// Binds `config.bind:config.port`; with port 0, the port of the previous emulator on this data
/// directory first (so clients keep their URL across a restart), else any free port.
async fn bind(
    config: &EmulatorConfig,
    paths: &store::Paths,
) -> Result<tokio::net::TcpListener, EmulatorError> {
    if config.port == 0
        && let Some(previous) = std::fs::read_to_string(paths.last_port())
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|p| *p != 0)
    {
        // The previous emulator may be dying right now (its socket closes with its last
        // process): try its port for up to a second before taking any port, since clients
        // follow a restart only on the same URL.
        for attempt in 0..20 {
            match tokio::net::TcpListener::bind(SocketAddr::new(config.bind, previous)).await {
                Ok(listener) => return Ok(listener),
                Err(_) if attempt < 19 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                }
                Err(e) => tracing::info!("port {previous} of the last run is taken ({e})"),
            }
        }
    }
    let addr = SocketAddr::new(config.bind, config.port);
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })
}

fn random_hex(bytes: usize) -> Result<String, EmulatorError> {
    use aws_lc_rs::rand::SecureRandom;
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| EmulatorError::Config("no system randomness available".into()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Starts an emulator and returns once it accepts connections.
pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
    if !(config.speed.is_finite() && config.speed > 0.0) {
        return Err(EmulatorError::Config(format!(
            "speed must be a positive number (got {})",
            config.speed
        )));
    }
    let dir = config.data_dir.clone();
    let dir_err = |message: String| EmulatorError::DataDir {
        path: dir.clone(),
        message,
    };
    store::ensure_dir(&dir).map_err(|e| dir_err(e.to_string()))?;
    let paths = store::Paths { root: dir.clone() };
    let lock = lock_data_dir(&paths, &dir).await?;
    // A `url` and `pid` left by an emulator that died belong to nobody now.
    for stale in [paths.url(), paths.pid()] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(dir_err(format!(
                    "cannot remove the stale {}: {e}",
                    stale.display()
                )));
            }
        }
    }

    let token = choose_token(&config, &paths)?;
    if store::read_secret(&paths.token()).ok().flatten().as_deref() != Some(token.as_bytes()) {
        store::write_atomic(&paths.token(), token.as_bytes())
            .map_err(|e| dir_err(format!("cannot write the token file: {e}")))?;
    }
    let blob_key = match store::read_secret(&paths.blob_key())
        .map_err(|e| dir_err(format!("cannot read blob.key: {e}")))?
    {
        Some(k) if k.len() >= 32 => k,
        _ => {
            let k = random_hex(32)?.into_bytes();
            store::write_atomic(&paths.blob_key(), &k)
                .map_err(|e| dir_err(format!("cannot write blob.key: {e}")))?;
            k
        }
    };
    let mut world = store::load_world(&paths.state()).map_err(dir_err)?;
    let now = model::now_ms();
    if config.demo {
        demo::seed(&mut world, &paths, now).map_err(dir_err)?;
    }

    let listener = bind(&config, &paths).await?;
    let addr = SocketAddr::new(config.bind, config.port);
    let local = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let host_ip = if local.ip().is_unspecified() {
        match local.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        local.ip()
    };
    let host = match host_ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    let (cert, acceptor) = if config.tls {
        let mut names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        if !names.contains(&host_ip.to_string()) {
            names.push(host_ip.to_string());
        }
        let (cert, acc) =
            tls::load_or_create(&paths.tls_dir(), &names).map_err(EmulatorError::Tls)?;
        (Some(cert), Some(acc))
    } else {
        (None, None)
    };
    let scheme = if config.tls { "https" } else { "http" };
    let url = Url::parse(&format!("{scheme}://{host}:{}/", local.port()))
        .map_err(|e| EmulatorError::Config(format!("bad listen address: {e}")))?;

    let sh: Sh = Arc::new(Shared::new(
        config.speed,
        url.clone(),
        token,
        blob_key,
        paths,
        world,
        config.faults.clone(),
    ));
    runner::resume(&sh);
    sh.persist()
        .await
        .map_err(|e| dir_err(format!("cannot write state.json: {e}")))?;

    let cancel = CancellationToken::new();
    let tasks = shared::Tracker::default();
    let router = server::router(sh.clone());
    tasks.spawn(server::accept_loop(
        sh.clone(),
        listener,
        acceptor,
        router,
        cancel.clone(),
        tasks.clone(),
    ));
    tasks.spawn(server::sim_loop(sh.clone(), cancel.clone()));
    let life = Arc::new(Lifecycle {
        sh,
        cancel,
        tasks,
        finished: std::sync::atomic::AtomicBool::new(false),
        stopping: tokio::sync::Mutex::new(()),
    });
    // Not tracked: it may itself run the stop, which waits for the tracked tasks.
    tokio::spawn(watch_idle_and_data_dir(
        life.clone(),
        config.idle_timeout,
        dir_identity(&dir),
    ));
    let handle = EmulatorHandle {
        life,
        url,
        local,
        cert,
        _lock: lock,
    };
    let paths = &handle.life.sh.paths;
    let written = store::write_atomic(&paths.last_port(), local.port().to_string().as_bytes())
        .and_then(|()| store::write_atomic(&paths.pid(), std::process::id().to_string().as_bytes()))
        .and_then(|()| store::write_atomic(&paths.url(), handle.url.as_str().as_bytes()));
    if let Err(e) = written {
        handle.life.stop().await;
        return Err(dir_err(format!("cannot write the url file: {e}")));
    }
    tracing::info!(
        "emulator listening on {} (data in {})",
        handle.url,
        dir.display()
    );
    Ok(handle)
}

/// Takes the data directory's lock. A holder that only probes it ([`running_instance`] in another
/// process), or a job process of an emulator that just died caught between its fork and its exec
/// (it shares the lock's descriptor until then), keeps it briefly, so a busy lock is retried for
/// up to a second before giving up.
async fn lock_data_dir(paths: &store::Paths, dir: &Path) -> Result<store::DirLock, EmulatorError> {
    const ATTEMPTS: u32 = 50;
    for attempt in 0..ATTEMPTS {
        match store::try_lock(&paths.lock()) {
            Ok(store::LockAttempt::Acquired(lock)) => return Ok(lock),
            Ok(store::LockAttempt::Busy) if attempt + 1 < ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(store::LockAttempt::Busy) => break,
            Err(e) => {
                return Err(EmulatorError::DataDir {
                    path: dir.to_path_buf(),
                    message: format!("cannot lock {}: {e}", paths.lock().display()),
                });
            }
        }
    }
    Err(EmulatorError::Locked {
        data_dir: dir.to_path_buf(),
    })
}

/// The base URL and bearer token of the emulator that currently holds `data_dir`'s lock (in this
/// process or another), so a caller can reuse it instead of starting a second one. None when no
/// emulator holds the lock, or when its `url` or `token` file is missing or unreadable (for
/// instance while it is still starting). Never log the token.
pub fn running_instance(data_dir: &Path) -> Option<(Url, String)> {
    let paths = store::Paths {
        root: data_dir.to_path_buf(),
    };
    if !store::is_locked(&paths.lock()) {
        return None;
    }
    let url = std::fs::read_to_string(paths.url()).ok()?;
    let url = Url::parse(url.trim()).ok()?;
    let token = std::fs::read_to_string(paths.token()).ok()?;
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    Some((url, token.to_string()))
}
