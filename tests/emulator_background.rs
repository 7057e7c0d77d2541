//! The emulator's life as a process (issue 7, item 5), through the real `amlc` binary: headless
//! commands share one background emulator that outlives them and never restarts the demo's live
//! job; it stops when idle and comes back on the same port with the same token, with its jobs
//! resumed without counting a crash; a long-lived client follows it across a restart; `kill -9`
//! of an emulator leaves none of its job processes behind; `--bind` beyond loopback needs a token
//! and says so. Every test checks that no process it started is left.

use amlc::azure::AmlClient;
use amlc::cli::GlobalArgs;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_amlc");
const API: &str = "api-version=2025-12-01";
const DEMO_WS: &str = "subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws";
const LIVE_JOB: &str = "dreamy_snail_tm8r2p4k1q";

fn amlc(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("AMLC_LOG_FILE", home.join("amlc.log"))
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

/// Where the binary keeps the embedded emulator's data under a HOME of ours.
fn data_dir(home: &Path) -> PathBuf {
    home.join(".local/share/amlc/emulator")
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").split_whitespace().next();
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
}

/// Live processes whose environment says they belong to the emulator of `data` (its job ranks,
/// their children and watchdogs all carry `AMLC_EMULATOR_DATA_DIR`).
fn job_processes(data: &Path) -> Vec<i32> {
    let needle = format!("AMLC_EMULATOR_DATA_DIR={}", data.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) && alive(pid) {
            found.push(pid);
        }
    }
    found
}

/// Live members of process group `pgid` (a job rank's group: the rank, what it started, and its
/// watchdog, which is a fork of the emulator without the job's environment).
fn group_members(pgid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid) && alive(pid) {
            found.push(pid);
        }
    }
    found
}

fn server_pid(data: &Path) -> Option<i32> {
    std::fs::read_to_string(data.join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A child process killed (and reaped) when the test ends, even by a failed assertion.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first line `from` writes, or a failure after 20 s (never a hang).
fn first_line(from: impl std::io::Read + Send + 'static) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(from).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("a first line within 20 s")
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} (after {limit:?})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Raw {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Raw {
    fn of(data: &Path) -> Raw {
        Raw {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            url: std::fs::read_to_string(data.join("url"))
                .unwrap()
                .trim()
                .to_string(),
            token: std::fs::read_to_string(data.join("token"))
                .unwrap()
                .trim()
                .to_string(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    async fn live_job(&self) -> (String, Value) {
        let job = self
            .call(
                reqwest::Method::GET,
                &format!("{DEMO_WS}/jobs/{LIVE_JOB}?{API}"),
                None,
            )
            .await;
        let details = self
            .call(
                reqwest::Method::GET,
                &format!("history/v1.0/{DEMO_WS}/runs/{LIVE_JOB}/details"),
                None,
            )
            .await;
        (
            job["properties"]["status"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            details,
        )
    }

    async fn wait_live_job_running(&self) -> Value {
        let started = Instant::now();
        loop {
            let (status, details) = self.live_job().await;
            assert!(
                !matches!(status.as_str(), "Failed" | "Canceled" | "Completed"),
                "the demo's live job ended: {details}"
            );
            if status == "Running" {
                return details;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{details}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_commands_share_one_background_emulator_that_stops_when_idle() {
    let home = tempfile::tempdir().unwrap();
    let data = data_dir(home.path());
    let list = || {
        let mut cmd = amlc(home.path());
        cmd.args(["computes", "list", "-o", "json"])
            .env("AMLC_EMULATOR_IDLE_SECS", "3");
        cmd
    };
    // Three at once, then one more: every one succeeds, and one emulator served them all.
    let first: Vec<_> = (0..3).map(|_| tokio::spawn(run(list()))).collect();
    for out in first {
        let out = out.await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(rows.len() >= 12);
    }
    let pid = server_pid(&data).expect("a background emulator runs");
    let out = run(list()).await;
    assert!(out.status.success());
    assert_eq!(server_pid(&data), Some(pid), "the fourth command reused it");
    // It outlives the commands that used it, in a session of its own.
    assert!(alive(pid));
    assert_eq!(unsafe { libc::getsid(pid) }, pid, "not detached");
    let raw = Raw::of(&data);
    let url = raw.url.clone();
    let details = raw.wait_live_job_running().await;
    assert_eq!(
        details["warnings"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "the live job was restarted: {details}"
    );
    let jobs_before = job_processes(&data);
    assert!(!jobs_before.is_empty(), "the live job runs as processes");

    // Idle for 3 s: it stops cleanly, and its job processes with it.
    wait_until(
        "the idle emulator never stopped",
        Duration::from_secs(20),
        || !alive(pid),
    )
    .await;
    wait_until(
        "job processes outlived the idle stop",
        Duration::from_secs(5),
        || job_processes(&data).is_empty(),
    )
    .await;
    assert!(!data.join("url").exists());
    let state: Value =
        serde_json::from_slice(&std::fs::read(data.join("state.json")).unwrap()).unwrap();
    let ws = state["workspaces"]
        .as_object()
        .unwrap()
        .values()
        .find(|w| w["name"] == "demo-ws")
        .unwrap();
    assert_eq!(
        ws["jobs"][LIVE_JOB]["stopped_on_purpose"], true,
        "the clean stop is recorded"
    );

    // The next command starts it again: same port, same token, the job resumed, no crash counted.
    let out = run(list()).await;
    assert!(out.status.success());
    let again = server_pid(&data).unwrap();
    assert_ne!(again, pid);
    let raw = Raw::of(&data);
    assert_eq!(raw.url, url, "the previous port is re-bound");
    let details = raw.wait_live_job_running().await;
    assert_eq!(
        details["warnings"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "{details}"
    );

    // Removing the data directory (as a test's temporary HOME goes) stops it, jobs included.
    drop(home);
    wait_until(
        "the emulator outlived its data directory",
        Duration::from_secs(15),
        || !alive(again) && job_processes(&data).is_empty(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_follows_the_background_emulator_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("emulator");
    let global = GlobalArgs {
        timeout: 10,
        ..GlobalArgs::default()
    };
    let (client, url): (AmlClient, url::Url) =
        amlc::connect::background_emulator_client(&data, Path::new(BIN), &global)
            .await
            .unwrap();
    assert!(client.list_computes().await.unwrap().len() >= 12);
    let first = server_pid(&data).unwrap();
    // A clean stop (SIGTERM), then a crash (SIGKILL): the same client goes on each time.
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let pid = server_pid(&data).unwrap();
        unsafe { libc::kill(pid, signal) };
        // Gone means its lock is free too: a killed process's leader reads as a zombie while
        // its other threads still hold the data dir's lock for a moment.
        wait_until("the emulator did not stop", Duration::from_secs(15), || {
            !alive(pid) && amlc::emulator::running_instance(&data).is_none()
        })
        .await;
        let computes = client.list_computes().await.unwrap();
        assert!(computes.len() >= 12);
        let now = server_pid(&data).unwrap();
        assert_ne!(now, pid, "a new emulator after signal {signal}");
        assert_eq!(
            std::fs::read_to_string(data.join("url")).unwrap().trim(),
            url.as_str()
        );
    }
    assert_ne!(server_pid(&data).unwrap(), first);
    let last = server_pid(&data).unwrap();
    drop(dir);
    wait_until(
        "the emulator outlived its data directory",
        Duration::from_secs(15),
        || !alive(last) && job_processes(&data).is_empty(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_emulator_ends_its_job_processes() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let mut emulator = amlc(home.path())
        .args(["emulator", "--port", "0", "--speed", "40", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(emulator.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("amlc emulator listening on http://127.0.0.1:"));
    let raw = Raw::of(&data);
    let ws = "subscriptions/sub-t/resourceGroups/rg-t/providers/Microsoft.MachineLearningServices/workspaces/ws-t";
    let w = raw
        .call(
            reqwest::Method::PUT,
            &format!("{ws}?{API}"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    let wsid = w["properties"]["workspaceId"].as_str().unwrap().to_string();
    // A job whose shell leaves a child in the background, the hard case for a parent-death signal.
    let job = json!({"properties": {"jobType": "Command",
        "command": "sleep 300 & echo $! > child.pid; echo $$ > me.pid; while true; do sleep 1; done"}});
    raw.call(
        reqwest::Method::PUT,
        &format!("{ws}/jobs/job-orphan?{API}"),
        Some(job),
    )
    .await;
    let run = data.join("runs").join(&wsid).join("job-orphan");
    let read_pid = |name: &str| -> Option<i32> {
        std::fs::read_to_string(run.join(name))
            .ok()
            .filter(|s| s.ends_with('\n'))?
            .trim()
            .parse()
            .ok()
    };
    wait_until("the job never started", Duration::from_secs(20), || {
        read_pid("me.pid").is_some() && read_pid("child.pid").is_some()
    })
    .await;
    let (me, child) = (read_pid("me.pid").unwrap(), read_pid("child.pid").unwrap());
    assert!(alive(me) && alive(child));
    assert!(job_processes(&data).len() >= 2, "the rank and its child");
    let group = group_members(me);
    assert!(group.len() >= 3, "rank, child and watchdog: {group:?}");

    emulator.kill().unwrap(); // SIGKILL
    emulator.wait().unwrap();
    wait_until(
        "job processes outlived kill -9 of the emulator",
        Duration::from_secs(5),
        || {
            !alive(me)
                && !alive(child)
                && job_processes(&data).is_empty()
                && group_members(me).is_empty()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_beyond_loopback_needs_a_token_and_warns() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let out = run({
        let mut cmd = amlc(home.path());
        cmd.args(["emulator", "--bind", "0.0.0.0", "--port", "0", "--data-dir"])
            .arg(&data);
        cmd
    })
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--token"), "{err}");
    assert!(err.contains("runs as a command on this machine"), "{err}");
    assert!(!data.join("url").exists(), "it did not start");

    // A random token, and the server killed on any failure: while it runs it listens on every
    // interface.
    let token = format!("t-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let mut emulator = KillOnDrop(
        amlc(home.path())
            .args([
                "emulator",
                "--bind",
                "0.0.0.0",
                "--port",
                "0",
                "--token",
                &token,
                "--data-dir",
            ])
            .arg(&data)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let first = first_line(emulator.0.stdout.take().unwrap());
    let warning = first_line(emulator.0.stderr.take().unwrap());
    let pid = emulator.0.id() as i32;
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = emulator.0.wait().unwrap();
    assert!(status.success(), "a clean stop on SIGTERM");
    assert!(
        first.starts_with("amlc emulator listening on http://0.0.0.0:"),
        "the real address: {first}"
    );
    assert!(first.contains("this machine: http://127.0.0.1:"), "{first}");
    assert!(warning.contains("WARNING"), "{warning}");
    assert!(warning.contains("commands on this machine"), "{warning}");
    assert!(warning.contains("plain HTTP"), "{warning}");
    assert!(!warning.contains(&token), "the token is never printed");
    assert!(!first.contains(&token), "the token is never printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_emulator_that_cannot_start_is_one_clear_error_at_once() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"])
        .env("AMLC_EMULATOR_IDLE_SECS", "soon");
    let started = Instant::now();
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("background emulator did not start"), "{err}");
    assert!(err.contains("emulator.log"), "{err}");
    assert!(err.contains("soon"), "the log's reason: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(server_pid(&data_dir(home.path())).is_none());
}

/// The background emulator outlives the command that started it, so it must not keep that
/// command's other open descriptors: a wrapper reading a pipe the command inherited must see
/// EOF when the command ends, not 15 minutes later when the emulator stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_emulator_keeps_none_of_its_callers_descriptors() {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().unwrap();
    let data = data_dir(home.path());
    let mut fds = [0 as libc::c_int; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let (read_end, write_end) = (fds[0], fds[1]);
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "-o", "json"]);
    // The command gets the pipe's write end as descriptor 5, inheritable as a wrapper's would be.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(write_end, 5) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = run(cmd).await;
    unsafe { libc::close(write_end) };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = server_pid(&data).expect("a background emulator runs");
    assert!(alive(pid), "it outlives the command");
    // EOF on the read end: nobody holds the write end any more.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        let n = unsafe { libc::read(read_end, byte.as_mut_ptr().cast(), 1) };
        unsafe { libc::close(read_end) };
        let _ = tx.send(n);
    });
    let eof = rx.recv_timeout(Duration::from_secs(10));
    // Stop the emulator either way: its data dir goes, and it notices within a second or two.
    drop(home);
    wait_until(
        "the emulator did not stop after its data dir went",
        Duration::from_secs(20),
        || !alive(pid),
    )
    .await;
    assert_eq!(
        eof.ok(),
        Some(0),
        "the background emulator still held the caller's descriptor 5"
    );
}
