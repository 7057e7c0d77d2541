//! The runtime: carries out the fetch effects of `App::update` on tokio tasks and sends each
//! answer back as a `Msg::Loaded` tagged with its request id and source key. An action
//! (`Effect::Act`) is sent and followed to its end on its own task (no overall timeout: the
//! wait has its own deadline), reporting `Msg::Op` events: accepted, each poll, the end, typed;
//! at exit the runtime stops following (the operations go on in Azure). It holds the data
//! source (the Azure ML client) and nothing of the app's state, so requests never block input
//! and a slow answer is simply dropped by `update` when it is stale. Every request has an
//! overall timeout; errors reach the app typed ([`AppError`]), never as bare strings. It also
//! reports the HTTP pipeline's activity (in flight, retries, throttling). Effects that touch the
//! terminal (clipboard) or the connection are left to the terminal loop. The submit form's
//! work (`Effect::Submit`: snapshot, environments, review, submission) runs on a task of its
//! own in `submit_runtime`, answered by `Msg::Submit` events.
//!
//! Log views: `Effect::LogsFollow` runs a `logs::Follower` on its own task (one per open view),
//! sending each batch with lines, a new status or new files as `Msg::Logs` tagged with the
//! view's follow id, and each failed poll as an error (the follower resumes from its offsets);
//! `Effect::LogsStop`, a new source (workspace change) and exit cancel it. `Effect::LogsSave`
//! re-reads the selected files from byte 0 and writes them on a task, never on the loop.
//!
//! Local runs (`compute: local`, `submit::local`), when a store is set
//! ([`Runtime::set_local_runs`]): the job list fetch adds them to the workspace's jobs (a cheap
//! read of the run folders, off the async threads, at the Jobs tab's own cadence), a run
//! details fetch for a local run is answered from its folder, `LogsFollow` of a local run runs
//! `logs::LocalFollower` (same batches), `LogsSave` copies its log file, and a cancel action on
//! a local run calls `LocalRuns::cancel`. A local run's name is looked up first (as the
//! headless commands do).

use super::JOB_LIST_LIMIT;
use super::logview::{FollowId, LogEvent, SaveError, SaveReport};
use super::msg::{Effect, HttpActivity, Msg};
use super::operations::{OpEvent, OpId, OpResult};
use super::sources::{AppError, SourceData, SourceKey};
use crate::actions::{ActionRequest, Sent};
use crate::azure::AmlClient;
use crate::azure::http::{PipelineStats, RetryEvent};
use crate::azure::jobs::JobListOptions;
use crate::azure::lro::{ProgressFn, WaitOptions};
use crate::logs::FileSelect;
use crate::submit::local::LocalRuns;
use local::{fetch_with_local, follow_local, local_run, save_local};

mod local;
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Where the data comes from (the Azure ML client; tests use a fake).
pub trait DataSource: Clone + Send + Sync + 'static {
    /// Fetches one source: the one place a new kind of source gets its request.
    fn fetch(&self, key: SourceKey) -> impl Future<Output = Result<SourceData, AppError>> + Send;
    /// The HTTP pipeline's counters.
    fn stats(&self) -> PipelineStats;
    /// Retries numbered above `seq`.
    fn retry_events_since(&self, seq: u64) -> Vec<RetryEvent>;
    /// Sends an action and follows it to its end, reporting each step to `tx` as
    /// `Msg::Op { op, .. }` (accepted, progress, ended); stops following when `cancel` fires.
    fn act(
        &self,
        op: OpId,
        request: ActionRequest,
        tx: UnboundedSender<Msg>,
        cancel: CancellationToken,
    ) -> impl Future<Output = ()> + Send {
        let _ = (request, cancel);
        async move {
            let _ = tx.send(Msg::Op {
                op,
                event: OpEvent::Ended(Box::new(Err(AppError::not_connected()))),
            });
        }
    }
    /// Follows the logs of `job` until `cancel` fires or the run ends, sending `Msg::Logs`.
    fn follow_logs(
        &self,
        id: FollowId,
        job: String,
        select: FileSelect,
        tx: UnboundedSender<Msg>,
        cancel: CancellationToken,
    ) -> impl Future<Output = ()> + Send {
        let _ = (job, select, cancel);
        async move {
            let _ = tx.send(Msg::Logs {
                id,
                event: LogEvent::Error(AppError::not_connected()),
            });
        }
    }
    /// The workspace's registered environments, for the submit form's picker.
    fn environments(
        &self,
    ) -> impl Future<Output = Result<Vec<super::submit::EnvChoice>, AppError>> + Send {
        async move { Err(AppError::not_connected()) }
    }
    /// The workspace's ARM id (the review's job body names it).
    fn workspace_id(&self) -> String {
        String::new()
    }
    /// Sends a planned job (`flow::submit`), each step to `progress`.
    fn submit_plan(
        &self,
        plan: crate::submit::flow::Plan,
        progress: Arc<dyn Fn(crate::submit::flow::Step) + Send + Sync>,
    ) -> impl Future<Output = Result<crate::submit::flow::Outcome, String>> + Send {
        let _ = (plan, progress);
        async move { Err(AppError::not_connected().line) }
    }
    /// Re-reads the selected files from byte 0 and writes them to `path`.
    fn save_logs(
        &self,
        job: String,
        select: FileSelect,
        path: PathBuf,
        overwrite: bool,
    ) -> impl Future<Output = Result<SaveReport, SaveError>> + Send {
        let _ = (job, select, path, overwrite);
        async move { Err(SaveError::Failed(AppError::not_connected())) }
    }
}

impl DataSource for AmlClient {
    async fn fetch(&self, key: SourceKey) -> Result<SourceData, AppError> {
        let data = match key {
            SourceKey::Computes => SourceData::Computes(self.list_computes().await?),
            SourceKey::Jobs => {
                let options = JobListOptions {
                    max_results: Some(JOB_LIST_LIMIT),
                    // Archived jobs too: the Jobs tab hides them unless `:archived`.
                    list_view_type: Some("All".into()),
                    ..JobListOptions::default()
                };
                SourceData::Jobs(self.list_jobs(&options).await?)
            }
            SourceKey::Nodes(compute) => SourceData::Nodes(self.list_nodes(&compute).await?),
            SourceKey::RunDetails(job) => {
                SourceData::RunDetails(Box::new(self.run_details(&job).await?))
            }
            SourceKey::Catalog => {
                // The region is the workspace's; sizes and usages may fail on their own (the
                // wizard works without either, and says what it could not check).
                let workspace = self.get_workspace().await?;
                let location = workspace.location.unwrap_or_default();
                let (sizes, usages) =
                    tokio::join!(self.list_vm_sizes(&location), self.list_usages(&location));
                SourceData::Catalog(Box::new(super::wizard::CatalogData {
                    location,
                    sizes: sizes.map_err(AppError::from),
                    usages: usages.map_err(AppError::from),
                }))
            }
        };
        Ok(data)
    }

    fn stats(&self) -> PipelineStats {
        self.pipeline().stats()
    }

    fn retry_events_since(&self, seq: u64) -> Vec<RetryEvent> {
        self.pipeline().retry_events_since(seq)
    }

    async fn act(
        &self,
        op: OpId,
        request: ActionRequest,
        tx: UnboundedSender<Msg>,
        cancel: CancellationToken,
    ) {
        let report = |event: OpEvent| {
            let _ = tx.send(Msg::Op { op, event });
        };
        let end = match crate::actions::send(self, &request).await {
            Err(e) => Err(AppError::from(&e)),
            Ok(Sent::Done(resource)) => Ok(OpResult {
                resource,
                keys: None,
            }),
            Ok(Sent::Keys(keys)) => Ok(OpResult {
                resource: None,
                keys: Some(keys),
            }),
            Ok(Sent::Operation(operation)) => {
                report(OpEvent::Accepted {
                    status: operation.status().to_string(),
                });
                let progress_tx = tx.clone();
                let progress: ProgressFn = Arc::new(move |p| {
                    let _ = progress_tx.send(Msg::Op {
                        op,
                        event: OpEvent::Progress {
                            status: p.status.clone(),
                            polls: p.polls,
                        },
                    });
                });
                let options = WaitOptions {
                    cancel,
                    progress: Some(progress),
                    default_interval: OP_POLL_DEFAULT,
                    ..WaitOptions::default()
                };
                match operation.wait(&options).await {
                    Ok(resource) => Ok(OpResult {
                        resource,
                        keys: None,
                    }),
                    Err(e) => Err(AppError::from(&e)),
                }
            }
        };
        report(OpEvent::Ended(Box::new(end)));
    }

    async fn follow_logs(
        &self,
        id: FollowId,
        job: String,
        select: FileSelect,
        tx: UnboundedSender<Msg>,
        cancel: CancellationToken,
    ) {
        let mut follower = crate::logs::Follower::new(self.clone(), job, select);
        let mut last_status = String::new();
        loop {
            let result = tokio::select! {
                _ = cancel.cancelled() => return,
                result = follower.next() => result,
            };
            let event = match result {
                Ok(batch) => {
                    if !forward_batch(&tx, id, batch, &mut last_status) {
                        return;
                    }
                    continue;
                }
                Err(e) => LogEvent::Error(AppError::from(&e)),
            };
            if tx.send(Msg::Logs { id, event }).is_err() {
                return;
            }
        }
    }

    async fn save_logs(
        &self,
        job: String,
        select: FileSelect,
        path: PathBuf,
        overwrite: bool,
    ) -> Result<SaveReport, SaveError> {
        save_logs(self, &job, &select, path, overwrite).await
    }

    async fn environments(&self) -> Result<Vec<super::submit::EnvChoice>, AppError> {
        super::submit_runtime::environments(self).await
    }

    fn workspace_id(&self) -> String {
        self.context().workspace_id()
    }

    async fn submit_plan(
        &self,
        plan: crate::submit::flow::Plan,
        progress: Arc<dyn Fn(crate::submit::flow::Step) + Send + Sync>,
    ) -> Result<crate::submit::flow::Outcome, String> {
        super::submit_runtime::submit(self.clone(), plan, progress).await
    }
}

/// Reads every selected file of `job` whole (byte ranges from 0 to the end) and writes them to
/// `path` as they come (memory stays at one ranged read, whatever the files' size): one file as
/// it is; several (all ranks) rank by rank, each line with its rank prefix as the view shows
/// it. The text goes to a temporary file beside `path`, renamed onto it only at the end: a
/// failure or an abort (quit) leaves no partial file and the old file at `path` untouched, and
/// a symlink at `path` is replaced, never followed. An existing file is replaced only with the
/// user's yes (`overwrite`). A file that cannot be read to its end fails the save, said.
pub async fn save_logs(
    client: &AmlClient,
    job: &str,
    select: &FileSelect,
    path: PathBuf,
    overwrite: bool,
) -> Result<SaveReport, SaveError> {
    use crate::azure::error::ErrorKind;
    use crate::azure::logs::LogRead;
    use tokio::io::AsyncWriteExt;
    let failed = |e: &crate::azure::error::AzureError| SaveError::Failed(AppError::from(e));
    let write_error = |path: &PathBuf, e: std::io::Error| {
        SaveError::Failed(AppError::new(
            ErrorKind::Other,
            format!("cannot write {}: {e}", path.display()),
            "choose another path (s), one in a directory you can write",
        ))
    };
    if !overwrite && path.exists() {
        return Err(SaveError::Exists(path));
    }
    let details = client.run_details(job).await.map_err(|e| failed(&e))?;
    let names = crate::logs::follow::selected(select, details.log_files.keys(), &[]);
    if names.is_empty() {
        return Err(SaveError::Failed(AppError::new(
            ErrorKind::NotFound,
            format!("job {job} has no log file to save yet"),
            "wait until the job writes its logs, then save again",
        )));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Dropped (so deleted) on any early return and when the task is aborted.
    let temp = tempfile::Builder::new()
        .prefix(".amlc-save-")
        .tempfile_in(&dir)
        .map_err(|e| write_error(&path, e))?;
    let file = temp.reopen().map_err(|e| write_error(&path, e))?;
    let mut out = tokio::io::BufWriter::new(tokio::fs::File::from_std(file));
    let prefixed = names.len() > 1 || *select == FileSelect::AllRanks;
    let mut lines = 0u64;
    let mut bytes = 0u64;
    let result: Result<(), SaveError> = async {
        for name in &names {
            let Some(url) = details
                .log_files
                .get(name)
                .and_then(|u| url::Url::parse(u).ok())
            else {
                return Err(SaveError::Failed(AppError::new(
                    ErrorKind::Service,
                    format!("the service gave no readable address for {name}"),
                    "save again; if it persists, the run's log list is broken",
                )));
            };
            let prefix = format!("{} ", crate::logs::prefix(name));
            let mut offset = 0u64;
            // The partial last line of the prefixed output, until its newline arrives.
            let mut carry: Vec<u8> = Vec::new();
            let mut ends_with_newline = true;
            loop {
                let chunk = match client
                    .read_log_range(&url, offset)
                    .await
                    .map_err(|e| failed(&e))?
                {
                    LogRead::Data { bytes, .. } => bytes,
                    LogRead::NoNewData { .. } => break,
                    LogRead::NotFound | LogRead::Truncated { .. } => {
                        return Err(SaveError::Failed(AppError::new(
                            ErrorKind::Conflict,
                            format!("{name} changed while it was saved (gone or shortened)"),
                            "save again",
                        )));
                    }
                };
                offset += chunk.len() as u64;
                if prefixed {
                    carry.extend_from_slice(&chunk);
                    let mut start = 0;
                    while let Some(n) = memchr::memchr(b'\n', &carry[start..]) {
                        let line = &carry[start..start + n + 1];
                        out.write_all(prefix.as_bytes())
                            .await
                            .map_err(|e| write_error(&path, e))?;
                        out.write_all(line)
                            .await
                            .map_err(|e| write_error(&path, e))?;
                        bytes += (prefix.len() + line.len()) as u64;
                        lines += 1;
                        start += n + 1;
                    }
                    carry.drain(..start);
                } else {
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| write_error(&path, e))?;
                    bytes += chunk.len() as u64;
                    lines += memchr::memchr_iter(b'\n', &chunk).count() as u64;
                    ends_with_newline = chunk.last() == Some(&b'\n');
                }
            }
            if prefixed && !carry.is_empty() {
                out.write_all(prefix.as_bytes())
                    .await
                    .map_err(|e| write_error(&path, e))?;
                out.write_all(&carry)
                    .await
                    .map_err(|e| write_error(&path, e))?;
                out.write_all(b"\n")
                    .await
                    .map_err(|e| write_error(&path, e))?;
                bytes += (prefix.len() + carry.len() + 1) as u64;
                lines += 1;
            }
            if !prefixed && !ends_with_newline {
                lines += 1;
            }
        }
        out.flush().await.map_err(|e| write_error(&path, e))
    }
    .await;
    drop(out);
    let result = result.and_then(|()| {
        let placed = if overwrite {
            temp.persist(&path).map(|_| ())
        } else {
            temp.persist_noclobber(&path).map(|_| ())
        };
        placed.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                SaveError::Exists(path.clone())
            } else {
                write_error(&path, e.error)
            }
        })
    });
    if let Err(error) = result {
        return Err(match error {
            SaveError::Failed(mut e) => {
                e.line = format!("nothing saved to {}: {}", path.display(), e.line);
                SaveError::Failed(e)
            }
            other => other,
        });
    }
    let how = if prefixed {
        format!(
            "{} files re-read whole from the service, rank by rank, prefixed",
            names.len()
        )
    } else {
        "re-read whole from the service".to_owned()
    };
    Ok(SaveReport {
        path,
        lines,
        bytes,
        how,
    })
}

/// How often an operation is polled when the service sends no `Retry-After`.
const OP_POLL_DEFAULT: Duration = Duration::from_secs(2);

/// One GET of the client's workspace, before a switch replaces the working view: a typo in
/// `:ws NAME` is refused with the reason, and the current workspace stays.
pub async fn check_workspace(client: &AmlClient, timeout: Duration) -> Result<(), AppError> {
    let ctx = client.context();
    let what = format!(
        "workspace {} (resource group {})",
        ctx.workspace, ctx.resource_group
    );
    let mut error = match tokio::time::timeout(timeout, client.get_workspace()).await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => AppError::from(&e),
        Err(_) => AppError::no_answer(timeout.as_secs()),
    };
    error.line = format!("{what}: {}", error.line);
    Err(error)
}

/// Runs fetches for the app.
pub struct Runtime<S: DataSource> {
    source: Option<S>,
    tx: UnboundedSender<Msg>,
    timeout: Duration,
    tasks: JoinSet<()>,
    /// The last retry event reported (of the current source).
    last_event: u64,
    /// Stops following operations (at exit; they go on in Azure).
    cancel: CancellationToken,
    /// The log follows running, by id.
    follows: HashMap<FollowId, CancellationToken>,
    /// This computer's local runs, when the app shows them.
    local: Option<LocalRuns>,
}

impl<S: DataSource> Runtime<S> {
    /// `timeout` bounds a whole fetch (all its pages and retries).
    pub fn new(tx: UnboundedSender<Msg>, timeout: Duration) -> Self {
        Runtime {
            source: None,
            tx,
            timeout,
            tasks: JoinSet::new(),
            last_event: 0,
            cancel: CancellationToken::new(),
            follows: HashMap::new(),
            local: None,
        }
    }

    /// Shows the local runs of `runs` among the jobs, and follows and cancels them.
    pub fn set_local_runs(&mut self, runs: LocalRuns) {
        self.local = Some(runs);
    }

    /// Uses `source` from now on (a new connection). Requests of the old one keep running until
    /// they end; their answers are stale and dropped by the app.
    pub fn set_source(&mut self, source: S) {
        // Log follows belong to the old workspace.
        for (_, cancel) in self.follows.drain() {
            cancel.cancel();
        }
        self.source = Some(source);
        self.last_event = 0;
    }

    pub fn source(&self) -> Option<&S> {
        self.source.as_ref()
    }

    /// The pipeline's counters and the retries since the last call.
    pub fn activity(&mut self) -> HttpActivity {
        let Some(source) = &self.source else {
            return HttpActivity::default();
        };
        let stats = source.stats();
        let events = if stats.retries > self.last_event {
            source.retry_events_since(self.last_event)
        } else {
            Vec::new()
        };
        self.last_event = self.last_event.max(stats.retries);
        HttpActivity {
            in_flight: stats.in_flight,
            retries: stats.retries,
            throttled: stats.throttled,
            events,
        }
    }

    /// Tasks not yet finished.
    pub fn pending(&mut self) -> usize {
        while self.tasks.try_join_next().is_some() {}
        self.tasks.len()
    }

    /// Starts the effect if it is a fetch and returns `None`; returns any other effect for
    /// the caller to handle. Without a source, a fetch is answered at once with an error.
    pub fn execute(&mut self, effect: Effect) -> Option<Effect> {
        while self.tasks.try_join_next().is_some() {}
        let (id, key) = match effect {
            Effect::Fetch(id, key) => (id, key),
            Effect::Act { op, request } => {
                self.act(op, request);
                return None;
            }
            Effect::LogsFollow { id, job, select } => {
                self.follow_logs(id, job, select);
                return None;
            }
            Effect::LogsStop(id) => {
                if let Some(cancel) = self.follows.remove(&id) {
                    cancel.cancel();
                }
                return None;
            }
            Effect::Submit(work) => {
                let (tx, source) = (self.tx.clone(), self.source.clone());
                self.tasks
                    .spawn(super::submit_runtime::run(work, source, tx));
                return None;
            }
            Effect::LogsSave {
                id,
                job,
                select,
                path,
                overwrite,
            } => {
                let tx = self.tx.clone();
                let local = self.local.clone();
                let source = self.source.clone();
                if source.is_none() && local.is_none() {
                    let _ = tx.send(Msg::Logs {
                        id,
                        event: LogEvent::Saved(Err(SaveError::Failed(AppError::not_connected()))),
                    });
                    return None;
                }
                self.tasks.spawn(async move {
                    let result = match (local_run(local.as_ref(), &job).await, source) {
                        (Some(run), _) => save_local(run, select, path, overwrite).await,
                        (None, Some(source)) => {
                            source.save_logs(job, select, path, overwrite).await
                        }
                        (None, None) => Err(SaveError::Failed(AppError::not_connected())),
                    };
                    let _ = tx.send(Msg::Logs {
                        id,
                        event: LogEvent::Saved(result),
                    });
                });
                return None;
            }
            other => return Some(other),
        };
        let tx = self.tx.clone();
        let Some(source) = self.source.clone() else {
            let _ = tx.send(Msg::Loaded {
                id,
                key,
                result: Err(AppError::not_connected()),
            });
            return None;
        };
        let timeout = self.timeout;
        let local = self.local.clone();
        self.tasks.spawn(async move {
            let fetch = fetch_with_local(&source, key.clone(), local);
            let result = match tokio::time::timeout(timeout, fetch).await {
                Ok(result) => result,
                Err(_) => Err(AppError::no_answer(timeout.as_secs())),
            };
            let _ = tx.send(Msg::Loaded { id, key, result });
        });
        None
    }

    /// Sends an action and follows it on its own task (no overall timeout: operations take
    /// minutes; the wait has its own deadline). Without a source it ends at once, failed.
    fn act(&mut self, op: OpId, request: ActionRequest) {
        let tx = self.tx.clone();
        let local = self
            .local
            .clone()
            .filter(|_| request.action == crate::actions::ActionId::CancelJob);
        let source = self.source.clone();
        if source.is_none() && local.is_none() {
            let _ = tx.send(Msg::Op {
                op,
                event: OpEvent::Ended(Box::new(Err(AppError::not_connected()))),
            });
            return;
        }
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            if let Some(local) = local
                && local_run(Some(&local), &request.target).await.is_some()
            {
                let name = request.target.clone();
                let end = match tokio::task::spawn_blocking(move || local.cancel(&name)).await {
                    Ok(Ok(run)) => Ok(OpResult {
                        resource: Some(run.to_job().raw),
                        keys: None,
                    }),
                    Ok(Err(e)) => Err(AppError::new(
                        crate::azure::error::ErrorKind::Other,
                        format!("cannot cancel the local run: {e}"),
                        "check the run folder's permissions; the process may need ending by hand",
                    )),
                    Err(e) => Err(AppError::new(
                        crate::azure::error::ErrorKind::Other,
                        format!("cannot cancel the local run: {e}"),
                        "try again",
                    )),
                };
                let _ = tx.send(Msg::Op {
                    op,
                    event: OpEvent::Ended(Box::new(end)),
                });
                return;
            }
            match source {
                Some(source) => source.act(op, request, tx, cancel).await,
                None => {
                    let _ = tx.send(Msg::Op {
                        op,
                        event: OpEvent::Ended(Box::new(Err(AppError::not_connected()))),
                    });
                }
            }
        });
    }

    /// Follows the logs of `job` on a task until `Effect::LogsStop(id)`, a new source or exit.
    fn follow_logs(&mut self, id: FollowId, job: String, select: FileSelect) {
        let tx = self.tx.clone();
        let local = self.local.clone();
        let source = self.source.clone();
        if source.is_none() && local.is_none() {
            let _ = tx.send(Msg::Logs {
                id,
                event: LogEvent::Error(AppError::not_connected()),
            });
            return;
        }
        self.follows.retain(|_, c| !c.is_cancelled());
        let cancel = self.cancel.child_token();
        self.follows.insert(id, cancel.clone());
        self.tasks.spawn(async move {
            if let Some(local) = local
                && local_run(Some(&local), &job).await.is_some()
            {
                follow_local(id, local, job, select, tx, cancel).await;
                return;
            }
            match source {
                Some(source) => source.follow_logs(id, job, select, tx, cancel).await,
                None => {
                    let _ = tx.send(Msg::Logs {
                        id,
                        event: LogEvent::Error(AppError::not_connected()),
                    });
                }
            }
        });
    }

    /// Log follows running (not cancelled).
    pub fn follows(&self) -> usize {
        self.follows.values().filter(|c| !c.is_cancelled()).count()
    }

    /// Stops every running request (at exit).
    pub fn shutdown(&mut self) {
        self.cancel.cancel();
        self.tasks.abort_all();
    }
}

/// Sends a follow's batch to its view when it says something new (lines, files, failed files,
/// a status, the end); `false` once the follow is over (the batch ended it, or the view is
/// gone). Remote and local follows share it.
pub(super) fn forward_batch(
    tx: &UnboundedSender<Msg>,
    id: FollowId,
    batch: crate::logs::Batch,
    last_status: &mut String,
) -> bool {
    let news = !batch.lines.is_empty()
        || batch.ended
        || !batch.new_files.is_empty()
        || !batch.failed_files.is_empty()
        || batch.status != *last_status;
    if !news {
        return true;
    }
    last_status.clone_from(&batch.status);
    let ended = batch.ended;
    tx.send(Msg::Logs {
        id,
        event: LogEvent::Batch(batch),
    })
    .is_ok()
        && !ended
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::RequestId;
    use crate::azure::error::ErrorKind;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Clone, Default)]
    struct Fake {
        calls: Arc<AtomicUsize>,
        delay_ms: u64,
    }

    impl DataSource for Fake {
        async fn fetch(&self, key: SourceKey) -> Result<SourceData, AppError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
            match key {
                SourceKey::Computes => Ok(SourceData::Computes(Vec::new())),
                SourceKey::Nodes(_) => Ok(SourceData::Nodes(Vec::new())),
                _ => Err(AppError::new(ErrorKind::Service, "jobs are broken", "wait")),
            }
        }
        fn stats(&self) -> PipelineStats {
            PipelineStats {
                in_flight: 1,
                retries: 3,
                throttled: 2,
            }
        }
        fn retry_events_since(&self, seq: u64) -> Vec<RetryEvent> {
            (seq + 1..=3)
                .map(|n| RetryEvent {
                    seq: n,
                    wall_ms: 0,
                    reason: "429 Too Many Requests".into(),
                    request: "GET h /p".into(),
                    throttled: true,
                })
                .collect()
        }
    }

    #[tokio::test]
    async fn fetches_answer_with_their_request_id_and_key() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_secs(5));
        rt.set_source(Fake::default());
        assert_eq!(
            rt.execute(Effect::Fetch(RequestId(3), SourceKey::Computes)),
            None
        );
        assert_eq!(
            rt.execute(Effect::Fetch(RequestId(4), SourceKey::Jobs)),
            None
        );
        let mut seen = Vec::new();
        for _ in 0..2 {
            match rx.recv().await.unwrap() {
                Msg::Loaded { id, key, result } => seen.push((id, key, result.is_ok())),
                other => panic!("{other:?}"),
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            vec![
                (RequestId(3), SourceKey::Computes, true),
                (RequestId(4), SourceKey::Jobs, false)
            ]
        );
        // Non-fetch effects are handed back.
        assert_eq!(rt.execute(Effect::Quit), Some(Effect::Quit));
    }

    #[tokio::test]
    async fn slow_requests_time_out_and_do_not_block() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_millis(50));
        rt.set_source(Fake {
            delay_ms: 10_000,
            ..Fake::default()
        });
        let started = std::time::Instant::now();
        rt.execute(Effect::Fetch(RequestId(1), SourceKey::Computes));
        // `execute` returned at once; the answer is a timeout.
        assert!(started.elapsed() < Duration::from_millis(40));
        match rx.recv().await.unwrap() {
            Msg::Loaded { result: Err(e), .. } => {
                assert_eq!(e.kind, ErrorKind::Timeout);
                assert!(e.line.contains("no answer"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn without_a_source_fetches_fail_fast() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt: Runtime<Fake> = Runtime::new(tx, Duration::from_secs(1));
        rt.execute(Effect::Fetch(RequestId(9), SourceKey::Nodes("c".into())));
        match rx.recv().await.unwrap() {
            Msg::Loaded {
                id, result: Err(_), ..
            } => assert_eq!(id, RequestId(9)),
            other => panic!("{other:?}"),
        }
        assert_eq!(rt.activity(), HttpActivity::default());
    }

    #[tokio::test]
    async fn an_action_without_a_connection_ends_failed_at_once() {
        use crate::actions::ActionId;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt: Runtime<Fake> = Runtime::new(tx, Duration::from_secs(1));
        let effect = Effect::Act {
            op: OpId(4),
            request: ActionRequest::new(ActionId::Stop, "ci-dev"),
        };
        assert_eq!(rt.execute(effect), None);
        match rx.recv().await.unwrap() {
            Msg::Op {
                op,
                event: OpEvent::Ended(result),
            } => {
                assert_eq!(op, OpId(4));
                let error = result.unwrap_err();
                assert_eq!(error.line, "not connected");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn activity_reports_each_retry_once() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_secs(1));
        rt.set_source(Fake::default());
        let first = rt.activity();
        assert_eq!((first.in_flight, first.retries, first.throttled), (1, 3, 2));
        assert_eq!(first.events.len(), 3);
        assert!(rt.activity().events.is_empty(), "reported once");
    }
}
