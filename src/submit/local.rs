//! The local computer as a target (`compute: local`, seeds 000/003, submit.md §9): a run of the
//! snapshot on this machine, in a run folder under amlc's data directory
//! (`<data>/local-runs/<job>/`), with the job's environment variables, inputs resolved, and the
//! service's log layout (`user_logs/std_log.txt`), in the user's current environment
//! (user-managed by definition: a conda file is reported as not applied). Runs keep their status
//! and logs across amlc restarts and can be cancelled.
//!
//! Owns the run folder's layout: `job.json` (the job body as [`JobSpec::to_body`] makes it, no
//! `computeId`, plus the git properties and [`RUN_DIR_PROPERTY`]), `status.json` (status, times,
//! the pid and its start time from `/proc`, so a recycled pid is not mistaken for the run),
//! `exit_code` (written atomically by a small `sh` wrapper when the command ends), `code/` (the
//! snapshot's files, copied), `outputs/<x>/`, `user_logs/std_log.txt` (stdout and stderr) and
//! `system_logs/local.txt` (what was and was not applied). The command runs as `/bin/sh -c` in
//! `code/`, in a session of its own (setsid): it outlives amlc (quitting the TUI does not end
//! it) and Ctrl-C in amlc's terminal does not reach it. Every process it starts carries
//! [`RUN_DIR_ENV`] (the leftover check of `.ci/run` looks for it). Statuses are reconciled on
//! every read ([`LocalRuns::list`], [`LocalRuns::get`]): the process gone with an exit code is
//! Completed (0) or Failed; gone without one is Failed ("machine restarted?").
//!
//! Must not: log or write the command line or environment values anywhere but the process's
//! own environment (they may hold secrets); panic on a disk error (a full disk or an unreadable
//! folder is a [`LocalError`]); touch the network.

use crate::azure::models::{Job, JobStatus, RunDetails, RunError, RunErrorResponse};
use crate::submit::flow::Plan;
use crate::submit::job_yaml::{Code, DataPath, Environment, Input, JobSpec};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The job property naming a local run's folder (`job.json` and the job shown in the Jobs tab).
pub const RUN_DIR_PROPERTY: &str = "amlc.localRunDir";
/// What the compute column says for a local run.
pub const LOCAL_COMPUTE: &str = "local";
/// The environment variable every process of a local run carries: its run folder.
pub const RUN_DIR_ENV: &str = "AMLC_LOCAL_RUN_DIR";
/// The run's log (stdout and stderr of the command), relative to the run folder.
pub const LOG_FILE: &str = "user_logs/std_log.txt";
/// What amlc writes about the run (applied or not), relative to the run folder.
pub const SYSTEM_LOG: &str = "system_logs/local.txt";

const STATUS_FILE: &str = "status.json";
const JOB_FILE: &str = "job.json";
const EXIT_FILE: &str = "exit_code";
/// Held (flock) while a status is re-read and replaced, so a cancel, a start and a refresh never
/// overwrite each other.
const LOCK_FILE: &str = ".status.lock";
/// Written by a cancel before it signals: a process found gone without an exit code was
/// canceled, not lost.
const CANCEL_FILE: &str = "cancel_requested";
/// The largest `status.json` / `job.json` read (they are a few KB).
const MAX_META_BYTES: u64 = 4 * 1024 * 1024;
/// How long a run recorded without a pid yet (being started) counts as starting.
const STARTING_GRACE_MS: i64 = 30_000;
/// Default wait between SIGTERM and SIGKILL on cancel.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// Runs the user's command and writes its exit code atomically (written in place when `mv` is
/// not on the user's PATH). The command comes in `AMLC_LOCAL_COMMAND` (unset before it runs)
/// and runs in a subshell by `eval`, so it is never on a command line (`ps` shows those; a
/// `sh -c "$cmd"` would put it back there).
const WRAPPER: &str = r#"cmd=$AMLC_LOCAL_COMMAND
unset AMLC_LOCAL_COMMAND
( eval "$cmd" )
code=$?
printf '%s\n' "$code" > "$AMLC_LOCAL_RUN_DIR/exit_code.tmp" &&
  mv -f "$AMLC_LOCAL_RUN_DIR/exit_code.tmp" "$AMLC_LOCAL_RUN_DIR/exit_code" 2>/dev/null ||
  printf '%s\n' "$code" > "$AMLC_LOCAL_RUN_DIR/exit_code"
"#;

/// The status of a local run, spelled as the service spells job statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocalStatus {
    Running,
    Completed,
    Failed,
    Canceled,
}

impl LocalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalStatus::Running => "Running",
            LocalStatus::Completed => "Completed",
            LocalStatus::Failed => "Failed",
            LocalStatus::Canceled => "Canceled",
        }
    }

    pub fn is_terminal(self) -> bool {
        self != LocalStatus::Running
    }
}

impl std::fmt::Display for LocalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One local run as recorded in its folder.
#[derive(Debug, Clone)]
pub struct LocalRun {
    pub name: String,
    pub display_name: String,
    pub experiment_name: String,
    pub status: LocalStatus,
    pub created_ms: i64,
    pub end_ms: Option<i64>,
    pub exit_code: Option<i32>,
    /// The run folder (`<root>/<name>`).
    pub dir: PathBuf,
    /// When the command started.
    pub start_ms: Option<i64>,
    /// Why a failed run failed (no command text, no values).
    pub error: Option<String>,
    /// What was and was not applied (the plan's notes and the local target's), as started.
    pub notes: Vec<String>,
    /// The job body written at start (`job.json`), `Null` when it cannot be read.
    pub body: Value,
}

impl LocalRun {
    /// The run as a workspace job, so the Jobs tab, `jobs list` and `jobs show` show it as any
    /// other: the body of `job.json` with its name, status, times, error and run folder.
    pub fn to_job(&self) -> Job {
        let mut v = match &self.body {
            Value::Object(_) => self.body.clone(),
            _ => json!({ "properties": { "jobType": "Command" } }),
        };
        v["name"] = json!(self.name);
        v["systemData"] = json!({ "createdAt": iso(self.created_ms) });
        if !v["properties"].is_object() {
            v["properties"] = json!({});
        }
        let p = &mut v["properties"];
        p["status"] = json!(self.status.as_str());
        if !self.display_name.is_empty() {
            p["displayName"] = json!(self.display_name);
        }
        if !self.experiment_name.is_empty() {
            p["experimentName"] = json!(self.experiment_name);
        }
        if !p["properties"].is_object() {
            p["properties"] = json!({});
        }
        p["properties"][RUN_DIR_PROPERTY] = json!(self.dir.display().to_string());
        if let Some(s) = self.start_ms {
            p["properties"]["StartTimeUtc"] = json!(iso(s));
        }
        if let Some(e) = self.end_ms {
            p["properties"]["EndTimeUtc"] = json!(iso(e));
        }
        if let Some(code) = self.exit_code {
            p["properties"]["amlc.exitCode"] = json!(code.to_string());
        }
        if self.status == LocalStatus::Failed {
            let code = if self.exit_code.is_some() {
                "UserError"
            } else {
                "SystemError"
            };
            let message = self
                .error
                .clone()
                .unwrap_or_else(|| "the local run failed".into());
            p["error"] = json!({ "code": code, "message": message });
        }
        Job::from_value(v)
    }

    /// The run as run history would describe it (status, times, error, its one log file as a
    /// local path), for the Jobs tab's rows and detail.
    pub fn run_details(&self) -> RunDetails {
        let error = (self.status == LocalStatus::Failed).then(|| RunErrorResponse {
            error: Some(RunError {
                code: Some(
                    if self.exit_code.is_some() {
                        "UserError"
                    } else {
                        "SystemError"
                    }
                    .into(),
                ),
                message: self.error.clone(),
                ..RunError::default()
            }),
            ..RunErrorResponse::default()
        });
        let mut log_files = std::collections::BTreeMap::new();
        log_files.insert(LOG_FILE.to_string(), self.log_path().display().to_string());
        RunDetails {
            run_id: Some(self.name.clone()),
            target: Some(LOCAL_COMPUTE.into()),
            status: Some(JobStatus::parse(self.status.as_str())),
            created_time_utc: Some(iso(self.created_ms)),
            start_time_utc: self.start_ms.map(iso),
            end_time_utc: self.end_ms.map(iso),
            error,
            log_files,
            ..RunDetails::default()
        }
    }

    /// The run's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }
}

/// Adds local runs (as [`LocalRun::to_job`] makes them) to a workspace's job list, newest
/// first; a workspace job with a local run's name is listed once, as the local run (the name
/// amlc's commands take first).
pub fn merge_jobs(jobs: &mut Vec<Job>, local: Vec<Job>) {
    if local.is_empty() {
        return;
    }
    jobs.retain(|j| !local.iter().any(|l| l.name == j.name));
    jobs.extend(local);
    let created = |j: &Job| {
        j.created_at()
            .and_then(crate::app::format::parse_time_ms)
            .unwrap_or(0)
    };
    jobs.sort_by_key(|j| std::cmp::Reverse(created(j)));
}

/// Whether `job` is a local run (as [`LocalRun::to_job`] makes it), and its folder.
pub fn run_dir_of(job: &Job) -> Option<&str> {
    job.properties
        .properties
        .get(RUN_DIR_PROPERTY)
        .map(String::as_str)
}

/// Why a local run could not start or be changed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LocalError + '_ {
    move |source| LocalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `status.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StatusFile {
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    experiment_name: String,
    status: LocalStatus,
    created_ms: i64,
    #[serde(default)]
    start_ms: Option<i64>,
    #[serde(default)]
    end_ms: Option<i64>,
    #[serde(default)]
    pid: Option<i32>,
    /// The pid's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    #[serde(default)]
    pid_start: Option<u64>,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
}

/// The local runs kept under one folder.
#[derive(Debug, Clone)]
pub struct LocalRuns {
    root: PathBuf,
    grace: Duration,
}

impl LocalRuns {
    /// `<amlc data dir>/local-runs` (`None` when no home directory is known).
    pub fn default_root() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "amlc").map(|d| d.data_dir().join("local-runs"))
    }

    /// The runs under `root` (made absolute: a run's processes work in its `code/` folder).
    pub fn open(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        LocalRuns {
            root: std::path::absolute(&root).unwrap_or(root),
            grace: DEFAULT_GRACE,
        }
    }

    /// The store at [`LocalRuns::default_root`].
    pub fn open_default() -> Option<Self> {
        Self::default_root().map(Self::open)
    }

    /// How long [`LocalRuns::cancel`] waits after SIGTERM before SIGKILL.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the local target applies and does not, for `plan` (shown before and at start).
    pub fn notes_for(plan: &Plan) -> Vec<String> {
        local_notes(&plan.spec, plan.snapshot.is_some())
    }

    /// Copies the snapshot into a new run folder and starts the command there.
    pub fn start(&self, plan: &Plan) -> Result<LocalRun, LocalError> {
        let name = plan.job_name.as_str();
        check_name(name)?;
        std::fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        let dir = self.root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(LocalError::Invalid(format!(
                    "a local run named {name} already exists (in {}); choose another name",
                    self.root.display()
                )));
            }
            Err(e) => return Err(io_err(&dir)(e)),
        }
        let created = now_ms();
        // The plan may already carry the local target's notes (`notes_for`): not repeated.
        let mut notes = plan.notes.clone();
        for note in local_notes(&plan.spec, plan.snapshot.is_some()) {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let mut status = StatusFile {
            name: name.to_string(),
            display_name: plan
                .spec
                .display_name
                .clone()
                .unwrap_or_else(|| name.to_string()),
            experiment_name: plan.experiment_name.clone(),
            status: LocalStatus::Running,
            created_ms: created,
            start_ms: None,
            end_ms: None,
            pid: None,
            pid_start: None,
            exit_code: None,
            error: None,
            notes: notes.clone(),
        };
        write_status(&dir, &status)?;
        match self.prepare_and_spawn(plan, &dir, &notes, &mut status) {
            Ok(()) => Ok(self
                .get(name)
                .unwrap_or_else(|| load_run(&dir, status, Value::Null).with_body(&dir))),
            Err(e) => {
                // Recorded so the run shows as failed, not as a folder with no story.
                status.status = LocalStatus::Failed;
                status.end_ms = Some(now_ms());
                status.error = Some(format!("the local run could not start: {e}"));
                let _ = commit_status(&dir, &status);
                system_log(&dir, &format!("could not start: {e}"));
                Err(e)
            }
        }
    }

    fn prepare_and_spawn(
        &self,
        plan: &Plan,
        dir: &Path,
        notes: &[String],
        status: &mut StatusFile,
    ) -> Result<(), LocalError> {
        let spec = &plan.spec;
        for sub in ["code", "outputs", "user_logs", "system_logs"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        for line in notes {
            system_log(dir, line);
        }
        let code_dir = dir.join("code");
        if let Some(snapshot) = &plan.snapshot {
            for f in &snapshot.files {
                let rel = Path::new(&f.rel);
                if rel.is_absolute()
                    || rel
                        .components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(LocalError::Invalid(format!(
                        "snapshot file {} is not a plain relative path",
                        f.rel
                    )));
                }
                let dest = code_dir.join(rel);
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(io_err(parent))?;
                }
                std::fs::copy(&f.source, &dest).map_err(|e| {
                    LocalError::Invalid(format!(
                        "cannot copy {} into {}: {e}",
                        f.source.display(),
                        dest.display()
                    ))
                })?;
            }
            system_log(
                dir,
                &format!("copied {} files into code/", snapshot.files.len()),
            );
        }
        let mut outputs = Vec::new();
        for (name, _) in &spec.outputs {
            check_name(name)?;
            let p = dir.join("outputs").join(name);
            std::fs::create_dir_all(&p).map_err(io_err(&p))?;
            outputs.push((name.clone(), p));
        }
        let inputs = resolve_inputs(spec);
        let command = substitute(&spec.command, &inputs, &outputs);

        // job.json: the body as the SDK would send it, local paths as their absolute paths.
        let mut body_spec = spec.clone();
        for (_, input) in body_spec.inputs.iter_mut() {
            if let Input::Data { path, .. } = input
                && let DataPath::Local(p) = path
            {
                *path = DataPath::Remote(absolute(p).display().to_string());
            }
        }
        let env_id = environment_text(spec.environment.as_ref());
        let mut body = body_spec
            .to_body("", None, &env_id)
            .map_err(LocalError::Invalid)?;
        if env_id.is_empty()
            && let Some(p) = body["properties"].as_object_mut()
        {
            p.remove("environmentId");
        }
        body["name"] = json!(plan.job_name);
        if let Some(props) = body["properties"]["properties"].as_object_mut() {
            for (k, v) in &plan.git {
                props.insert(k.clone(), json!(v));
            }
            props.insert(RUN_DIR_PROPERTY.into(), json!(dir.display().to_string()));
        }
        if let Some(Code::Local(p)) = &spec.code {
            body["properties"]["codeId"] = json!(absolute(p).display().to_string());
        }
        write_atomic(
            dir,
            JOB_FILE,
            &serde_json::to_vec_pretty(&body).unwrap_or_default(),
        )?;

        let log_path = dir.join(LOG_FILE);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io_err(&log_path))?;
        let log2 = log.try_clone().map_err(io_err(&log_path))?;
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(WRAPPER)
            .arg("amlc-local-run")
            .current_dir(&code_dir)
            .envs(spec.environment_variables.iter().map(|(k, v)| (k, v)))
            .env("AZUREML_RUN_ID", &plan.job_name)
            .env("AZUREML_EXPERIMENT_NAME", &plan.experiment_name)
            .env("RANK", "0")
            .env("WORLD_SIZE", "1")
            .env("LOCAL_RANK", "0")
            .env("NODE_RANK", "0")
            .env(RUN_DIR_ENV, dir)
            .env("AMLC_LOCAL_COMMAND", &command)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        for (name, p) in &outputs {
            cmd.env(format!("AZURE_ML_OUTPUT_{name}"), p);
        }
        // The run outlives amlc, in a session (and process group) of its own that a cancel
        // signals whole.
        crate::detach::detached(&mut cmd);
        let started = now_ms();
        let mut child = cmd
            .spawn()
            .map_err(|e| LocalError::Invalid(format!("cannot start /bin/sh: {e}")))?;
        let pid = child.id() as i32;
        status.pid = Some(pid);
        status.pid_start = start_ticks(pid);
        status.start_ms = Some(started);
        match commit_status(dir, status) {
            // Canceled while it was being started (the pid was not recorded yet): ended here.
            Ok(now) if now.status.is_terminal() => {
                signal_group(pid, libc::SIGKILL);
                let _ = child.wait();
                return Ok(());
            }
            Ok(_) => {}
            Err(e) => {
                // A run whose status cannot be written could never be cancelled: ended here.
                signal_group(pid, libc::SIGKILL);
                let _ = child.wait();
                return Err(e);
            }
        }
        system_log(dir, &format!("started process {pid} in code/"));
        // Reaped by a thread of its own while amlc runs (no zombie); the run goes on when amlc
        // exits (it is then the init process's child).
        let _ = std::thread::Builder::new()
            .name("amlc-local-run".into())
            .spawn(move || {
                let _ = child.wait();
            });
        Ok(())
    }

    /// Every run, newest first, with statuses brought up to date. A folder that cannot be read
    /// is skipped (and logged).
    pub fn list(&self) -> Vec<LocalRun> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut runs: Vec<LocalRun> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                match self.read(&name) {
                    Ok(run) => run,
                    Err(err) => {
                        tracing::warn!("local run {name}: cannot be read: {err}");
                        None
                    }
                }
            })
            .collect();
        runs.sort_by(|a, b| {
            b.created_ms
                .cmp(&a.created_ms)
                .then_with(|| a.name.cmp(&b.name))
        });
        runs
    }

    pub fn get(&self, name: &str) -> Option<LocalRun> {
        self.read(name).ok().flatten()
    }

    /// The run `name`: `Ok(None)` when there is none, `Err` when its folder cannot be read.
    pub fn read(&self, name: &str) -> Result<Option<LocalRun>, LocalError> {
        if check_name(name).is_err() {
            return Ok(None);
        }
        let dir = self.root.join(name);
        let Some(status) = read_status(&dir)? else {
            return Ok(None);
        };
        let status = reconcile(&dir, status);
        Ok(Some(load_run(&dir, status, Value::Null).with_body(&dir)))
    }

    /// Ends a running run (its whole process group): SIGTERM, SIGKILL after the grace period,
    /// status Canceled. A run already ended is left as it is.
    pub fn cancel(&self, name: &str) -> Result<LocalRun, LocalError> {
        let dir = self.root.join(name);
        let status = match check_name(name).ok().map(|_| read_status(&dir)) {
            Some(Ok(Some(s))) => s,
            Some(Err(e)) => return Err(e),
            _ => return Err(LocalError::Invalid(format!("no local run {name}"))),
        };
        let mut status = reconcile(&dir, status);
        if status.status.is_terminal() {
            return Ok(load_run(&dir, status, Value::Null).with_body(&dir));
        }
        // Said before the signal: a refresh that finds the process gone meanwhile records the
        // run as canceled, not as lost.
        write_atomic(&dir, CANCEL_FILE, b"")?;
        if let Some(pid) = status.pid
            && is_alive(pid, status.pid_start)
        {
            signal_group(pid, libc::SIGTERM);
            let deadline = Instant::now() + self.grace;
            while group_exists(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(25));
            }
            if group_exists(pid) {
                signal_group(pid, libc::SIGKILL);
                let deadline = Instant::now() + Duration::from_secs(2);
                while group_exists(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
        status.status = LocalStatus::Canceled;
        status.end_ms = Some(now_ms());
        status.exit_code = read_exit_code(&dir);
        // A run that ended on its own before the signal keeps its own ending.
        let status = commit_status(&dir, &status)?;
        system_log(&dir, "canceled");
        Ok(load_run(&dir, status, Value::Null).with_body(&dir))
    }
}

impl LocalRun {
    fn with_body(mut self, dir: &Path) -> Self {
        if let Ok(Some(bytes)) = read_small(&dir.join(JOB_FILE)) {
            self.body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        }
        self
    }
}

fn load_run(dir: &Path, s: StatusFile, body: Value) -> LocalRun {
    LocalRun {
        name: s.name,
        display_name: s.display_name,
        experiment_name: s.experiment_name,
        status: s.status,
        created_ms: s.created_ms,
        end_ms: s.end_ms,
        exit_code: s.exit_code,
        dir: dir.to_path_buf(),
        start_ms: s.start_ms,
        error: s.error,
        notes: s.notes,
        body,
    }
}

/// Brings a Running status up to date from the process table and the exit code file, and
/// records the end (best effort: a read-only folder still answers).
fn reconcile(dir: &Path, mut s: StatusFile) -> StatusFile {
    if s.status.is_terminal() {
        return s;
    }
    let ended = |s: &mut StatusFile, code: i32, at: i64| {
        s.exit_code = Some(code);
        s.end_ms = Some(at);
        if code == 0 {
            s.status = LocalStatus::Completed;
        } else {
            s.status = LocalStatus::Failed;
            s.error = Some(format!("the command exited with code {code}"));
        }
    };
    if let Some(code) = read_exit_code(dir) {
        let at = exit_time(dir).unwrap_or_else(now_ms);
        ended(&mut s, code, at);
    } else {
        let running = match s.pid {
            Some(pid) => is_alive(pid, s.pid_start),
            None => now_ms() - s.created_ms < STARTING_GRACE_MS,
        };
        if running {
            return s;
        }
        // The wrapper may have written its code between the two reads.
        if let Some(code) = read_exit_code(dir) {
            let at = exit_time(dir).unwrap_or_else(now_ms);
            ended(&mut s, code, at);
        } else if dir.join(CANCEL_FILE).exists() {
            s.status = LocalStatus::Canceled;
            s.end_ms = Some(now_ms());
        } else {
            s.status = LocalStatus::Failed;
            s.end_ms = Some(now_ms());
            s.error = Some("the process ended without an exit code (machine restarted?)".into());
        }
    }
    match commit_status(dir, &s) {
        Ok(recorded) => recorded,
        Err(e) => {
            tracing::warn!("local run {}: status not recorded: {e}", s.name);
            s
        }
    }
}

/// Replaces the recorded status with `new` under the run's lock, unless the run has ended
/// meanwhile (an ended run keeps its ending: a cancel, a start and a refresh racing never
/// undo each other); returns what is recorded now.
fn commit_status(dir: &Path, new: &StatusFile) -> Result<StatusFile, LocalError> {
    let _lock = lock_run(dir)?;
    if let Some(current) = read_status(dir)?
        && current.status.is_terminal()
    {
        return Ok(current);
    }
    write_status(dir, new)?;
    Ok(new.clone())
}

/// The run's status lock, held until the returned file is dropped.
fn lock_run(dir: &Path) -> Result<std::fs::File, LocalError> {
    use std::os::fd::AsRawFd;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    // SAFETY: flock on a descriptor this function owns; it blocks only while another process
    // or thread re-reads and writes one small file.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io_err(&path)(std::io::Error::last_os_error()));
    }
    Ok(file)
}

fn read_exit_code(dir: &Path) -> Option<i32> {
    let bytes = read_small(&dir.join(EXIT_FILE)).ok()??;
    std::str::from_utf8(&bytes).ok()?.trim().parse().ok()
}

fn exit_time(dir: &Path) -> Option<i64> {
    let modified = std::fs::metadata(dir.join(EXIT_FILE))
        .ok()?
        .modified()
        .ok()?;
    let d = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(d.as_millis() as i64)
}

/// A small file's bytes; `Ok(None)` when it does not exist.
fn read_small(path: &Path) -> Result<Option<Vec<u8>>, LocalError> {
    use std::io::Read;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut bytes = Vec::new();
    f.take(MAX_META_BYTES)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    Ok(Some(bytes))
}

fn read_status(dir: &Path) -> Result<Option<StatusFile>, LocalError> {
    let path = dir.join(STATUS_FILE);
    let Some(bytes) = read_small(&path)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        LocalError::Invalid(format!("{}: not a local run status: {e}", path.display()))
    })
}

fn write_status(dir: &Path, s: &StatusFile) -> Result<(), LocalError> {
    let bytes = serde_json::to_vec_pretty(s)
        .map_err(|e| LocalError::Invalid(format!("cannot encode the status: {e}")))?;
    write_atomic(dir, STATUS_FILE, &bytes)
}

/// Writes `dir/name` through a temporary file renamed over it (readers never see half a file).
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), LocalError> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err(dir))?;
    tmp.write_all(bytes).map_err(io_err(tmp.path()))?;
    let target = dir.join(name);
    tmp.persist(&target).map_err(|e| io_err(&target)(e.error))?;
    Ok(())
}

/// Appends a timestamped line to `system_logs/local.txt` (best effort).
fn system_log(dir: &Path, line: &str) {
    let path = dir.join(SYSTEM_LOG);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{} {line}", iso(now_ms()));
    }
}

/// A run or output name usable as a folder name.
fn check_name(name: &str) -> Result<(), LocalError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(LocalError::Invalid(format!(
            "{name:?} cannot name a local run folder (letters, digits, '_', '-' and '.' only)"
        )))
    }
}

/// What the local target applies and does not (no values: names and kinds only).
fn local_notes(spec: &JobSpec, has_snapshot: bool) -> Vec<String> {
    let mut notes = Vec::new();
    match (&spec.code, has_snapshot) {
        (_, true) => notes.push("the code folder is copied into the run folder's code/".into()),
        (Some(Code::Remote(_)), false) => notes.push(
            "the code is a remote asset, not fetched for a local run: the command runs in an empty code/ folder".into(),
        ),
        (_, false) => notes.push("no local code: the command runs in an empty code/ folder".into()),
    }
    let env_note = "runs in this computer's current environment (user-managed by definition)";
    match &spec.environment {
        None => notes.push(format!("no environment: {env_note}")),
        Some(Environment::Inline {
            image,
            conda_file,
            build,
        }) => {
            if let Some(c) = conda_file {
                notes.push(format!(
                    "conda file {} not applied: the run {env_note}",
                    c.display()
                ));
            }
            if image.is_some() {
                notes.push(format!("image not used: the run {env_note}"));
            }
            if build.is_some() {
                notes.push(format!("Docker build context not used: the run {env_note}"));
            }
        }
        Some(e) => notes.push(format!(
            "environment {} not applied: the run {env_note}",
            environment_text(Some(e))
        )),
    }
    let count = spec
        .resources
        .as_ref()
        .and_then(|r| r.instance_count)
        .unwrap_or(1);
    if count > 1 {
        notes.push(format!(
            "resources.instance_count is {count}: a local run starts one process (RANK=0, WORLD_SIZE=1)"
        ));
    }
    if spec.distribution.is_some() {
        notes.push("distribution not applied: a local run starts one process".into());
    }
    if spec.timeout.is_some() {
        notes.push("limits.timeout is not enforced on a local run (cancel it instead)".into());
    }
    if !spec.services.is_empty() {
        notes.push("services are not started for a local run".into());
    }
    notes
}

/// The environment as written, for the job body and the notes (no secrets in names).
fn environment_text(env: Option<&Environment>) -> String {
    match env {
        None => String::new(),
        Some(Environment::Registered {
            name,
            version: Some(v),
        }) => format!("azureml:{name}:{v}"),
        Some(Environment::Registered {
            name,
            version: None,
        }) => format!("azureml:{name}@latest"),
        Some(Environment::Curated(s)) | Some(Environment::ArmId(s)) => s.clone(),
        Some(Environment::Inline { image, .. }) => match image {
            Some(i) => i.clone(),
            None => "inline build".into(),
        },
    }
}

/// Each input's value for `${{inputs.x}}`: a literal as written, a local path absolute, a
/// remote URI verbatim.
fn resolve_inputs(spec: &JobSpec) -> Vec<(String, String)> {
    spec.inputs
        .iter()
        .map(|(name, input)| {
            let v = match input {
                Input::Literal { value, .. } => value.clone(),
                Input::Data {
                    path: DataPath::Local(p),
                    ..
                } => absolute(p).display().to_string(),
                Input::Data {
                    path: DataPath::Remote(u),
                    ..
                } => u.clone(),
            };
            (name.clone(), v)
        })
        .collect()
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Replaces `${{inputs.x}}` and `${{outputs.x}}` (spaces inside the braces allowed).
fn substitute(command: &str, inputs: &[(String, String)], outputs: &[(String, PathBuf)]) -> String {
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[at..]);
            return out;
        };
        let key = after[..end].trim();
        let value = if let Some(n) = key.strip_prefix("inputs.") {
            inputs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
        } else if let Some(n) = key.strip_prefix("outputs.") {
            outputs
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, p)| p.display().to_string())
        } else {
            None
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[at..at + 3 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Clock ticks since boot at which `pid` started (`/proc/<pid>/stat` field 22).
fn start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Whether `pid` is still the run's process (not a zombie, not a recycled pid).
fn is_alive(pid: i32, started: Option<u64>) -> bool {
    if pid <= 1 {
        return false;
    }
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return false;
    };
    let mut fields = after.split_whitespace();
    if matches!(fields.next(), Some("Z") | Some("X")) {
        return false;
    }
    match (started, fields.nth(18).and_then(|t| t.parse::<u64>().ok())) {
        (Some(want), Some(got)) => want == got,
        _ => true,
    }
}

fn signal_group(pgid: i32, sig: libc::c_int) {
    if pgid > 1 {
        // SAFETY: killpg only sends a signal; a stale group id yields ESRCH, ignored.
        unsafe {
            libc::killpg(pgid, sig);
        }
    }
}

/// Whether any live (non-zombie) process is left in group `pgid`.
fn group_exists(pgid: i32) -> bool {
    // SAFETY: signal 0 checks for existence only.
    if unsafe { libc::killpg(pgid, 0) } != 0 {
        return false;
    }
    // killpg succeeds on zombies too: look for a live member.
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = after.split_whitespace().take(4).collect();
        if f.len() == 4 && f[2] == pgid.to_string() && f[0] != "Z" && f[0] != "X" {
            return true;
        }
    }
    false
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `2024-05-01T12:00:00.123Z`.
fn iso(ms: i64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_inputs_and_outputs() {
        let inputs = vec![("lr".to_string(), "0.1".to_string())];
        let outputs = vec![("model".to_string(), PathBuf::from("/r/outputs/model"))];
        assert_eq!(
            substitute(
                "train ${{inputs.lr}} ${{ outputs.model }} ${{inputs.none}} ${{",
                &inputs,
                &outputs
            ),
            "train 0.1 /r/outputs/model ${{inputs.none}} ${{"
        );
    }

    #[test]
    fn a_relative_root_is_made_absolute() {
        assert!(LocalRuns::open("some/where").root().is_absolute());
    }

    #[test]
    fn names_are_folder_safe() {
        assert!(check_name("good_name-1.x").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
