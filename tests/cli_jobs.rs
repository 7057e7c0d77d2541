//! The real `amlc` binary's job reading commands (`jobs list`, `jobs show`, `logs`, `jobs
//! stream`) against `amlc emulator --demo` on loopback, sped up, each test with its own
//! emulator (its own data directory). Jobs are submitted over HTTP as a client would; their
//! log lines are compared with the files the emulator's processes wrote under its data
//! directory, byte for byte, including under injected faults (500, 429, dropped connections).
//!
//! Exit codes checked: 0 (listed, printed, a followed run Completed), 1 (a followed run Failed,
//! its error on stderr; an unknown job), 2 (usage), 3 (a followed run Canceled).

use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod cli_common;

use cli_common::*;

impl Emulator {
    /// Submits a command job of `ranks` processes on the demo CPU cluster (PUT over HTTP,
    /// tried again while faults answer it).
    fn submit(&self, name: &str, command: &str, ranks: u32) {
        let url = format!("{}{WS}/jobs/{name}?api-version=2025-12-01", self.url);
        let body = json!({"properties": {"jobType": "Command", "command": command,
            "environmentId": "azureml:sh:1",
            "computeId": format!("/{WS}/computes/cpu-cluster"),
            "resources": {"instanceCount": ranks},
            "distribution": {"distributionType": "PyTorch", "processCountPerInstance": 1}}});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            for _ in 0..30 {
                match client
                    .put(&url)
                    .bearer_auth(&self.token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => return,
                    Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {}
                    Ok(r) => panic!("PUT {name}: {} {}", r.status(), r.text().await.unwrap()),
                    Err(_) => {}
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("PUT {name} never answered");
        });
    }

    /// The log file of `rank` of job `name` as its process wrote it.
    fn log_file(&self, name: &str, rank: u32) -> Vec<u8> {
        for ws in std::fs::read_dir(self.data.join("runs")).unwrap() {
            let path = ws
                .unwrap()
                .path()
                .join(name)
                .join("user_logs")
                .join(format!("std_log_process_{rank}.txt"));
            if path.is_file() {
                return std::fs::read(path).unwrap();
            }
        }
        panic!(
            "no log of rank {rank} of {name} under {}",
            self.data.display()
        );
    }
}

/// The rows of a table (after its header), split on runs of two spaces or more.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// `[rank] line` output split per rank, in order.
fn per_rank(stdout: &[u8]) -> BTreeMap<u32, Vec<u8>> {
    let mut out: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for line in stdout.split_inclusive(|b| *b == b'\n') {
        let text = std::str::from_utf8(line).unwrap();
        let (prefix, rest) = text
            .split_once("] ")
            .unwrap_or_else(|| panic!("no rank prefix: {text:?}"));
        let rank: u32 = prefix
            .strip_prefix('[')
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("bad prefix {prefix:?}"));
        out.entry(rank)
            .or_default()
            .extend_from_slice(rest.as_bytes());
    }
    out
}

#[test]
fn jobs_list_and_show_read_like_az_ml_job() {
    let e = Emulator::start("20", None);
    let r = e.run(&["jobs", "list"]);
    r.expect(0);
    let header = r.stdout.lines().next().unwrap();
    for col in [
        "NAME",
        "DISPLAY NAME",
        "STATUS",
        "EXPERIMENT",
        "COMPUTE",
        "CREATED",
        "DURATION",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let table = rows(&r.stdout);
    let names: Vec<&str> = table.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names.first(),
        Some(&"dreamy_snail_tm8r2p4k1q"),
        "newest first"
    );
    let row = |name: &str| table.iter().find(|r| r[0] == name).unwrap().clone();
    // A failed job shows its error code; finished jobs their run time from run history.
    let failed = row("wild_fox_9m4t1k8s2j");
    assert!(
        failed.contains(&"Failed (UserError)".to_string()),
        "{failed:?}"
    );
    assert_eq!(failed.last().unwrap(), "8m00s", "{failed:?}");
    assert_eq!(row("brisk_owl_8p1q6z3w5n").last().unwrap(), "48m00s");
    assert!(row("brisk_owl_8p1q6z3w5n").contains(&"gpu-cluster".to_string()));

    // --max-results; JSON is the raw jobs, newest first too.
    let r = e.run(&["jobs", "list", "--max-results", "2", "-o", "json"]);
    let jobs = r.expect(0).json();
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["name"], "dreamy_snail_tm8r2p4k1q");
    assert_eq!(jobs[1]["name"], names[1]);
    assert_eq!(rows(&e.run(&["jobs", "list", "-r", "3"]).stdout).len(), 3);
    // --type is the service's jobType filter (the demo's jobs are all Command jobs).
    let commands = e.run(&["jobs", "list", "--type", "Command"]);
    assert_eq!(rows(&commands.expect(0).stdout).len(), table.len());
    let sweeps = e.run(&["jobs", "list", "--type", "Sweep"]);
    assert_eq!(
        sweeps.expect(0).stdout.lines().count(),
        1,
        "{}",
        sweeps.stdout
    );
    e.run(&["jobs", "list", "--max-results", "0"]).expect(2);
    e.run(&["jobs", "list", "-r", "2", "--all-results"])
        .expect(2);

    // An archived job leaves the default list; --include-archived brings it back.
    e.run(&["jobs", "archive", "gentle_lamp_3x9k2m7p0d"])
        .expect(0);
    let listed = e.run(&["jobs", "list", "--all-results"]);
    assert!(
        !listed.expect(0).stdout.contains("gentle_lamp"),
        "{}",
        listed.stdout
    );
    let all = e.run(&["jobs", "list", "--include-archived", "-o", "json"]);
    assert!(
        all.expect(0)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["name"] == "gentle_lamp_3x9k2m7p0d")
    );

    // show: times, the error in full, resources, the log files by rank.
    let r = e.run(&["jobs", "show", "wild_fox_9m4t1k8s2j"]);
    r.expect(0);
    for want in [
        "Status        Failed",
        "Duration      8m00s",
        "CUDA out of memory. Tried to allocate 8.00 GiB",
        "Instance count  2",
        "Log files",
        "rank 0  user_logs/std_log_process_0.txt",
        "rank 1  user_logs/std_log_process_1.txt",
    ] {
        assert!(r.stdout.contains(want), "{want:?} in\n{}", r.stdout);
    }
    // A command that spans lines keeps them.
    let r = e.run(&["jobs", "show", "dreamy_snail_tm8r2p4k1q"]);
    r.expect(0);
    assert!(
        r.stdout.contains("  Command:\n    epoch=$(cat .epoch"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\n    while true; do\n"), "{}", r.stdout);
    let json = e
        .run(&["jobs", "show", "brisk_owl_8p1q6z3w5n", "-o", "json"])
        .expect(0)
        .json();
    assert_eq!(json["name"], "brisk_owl_8p1q6z3w5n");
    let r = e.run(&["jobs", "show", "no_such_job"]);
    r.expect(1);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
}

#[test]
fn logs_of_a_finished_job_are_its_file_exactly() {
    let e = Emulator::start("20", None);
    let job = "brisk_owl_8p1q6z3w5n";
    for rank in [0u32, 1] {
        let r = e
            .cmd(&["logs", job, "--rank", &rank.to_string()])
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(0));
        let file = e.log_file(job, rank);
        assert!(!file.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&file)
        );
    }
    // Default is rank 0; --file names a file; --all-ranks prefixes each line with its rank.
    let r = e.cmd(&["logs", job]).output().unwrap();
    assert_eq!(r.stdout, e.log_file(job, 0));
    let r = e
        .cmd(&["logs", job, "--file", "user_logs/std_log_process_1.txt"])
        .output()
        .unwrap();
    assert_eq!(r.stdout, e.log_file(job, 1));
    let r = e.cmd(&["logs", job, "--all-ranks"]).output().unwrap();
    assert_eq!(r.status.code(), Some(0));
    let ranks = per_rank(&r.stdout);
    assert_eq!(ranks.len(), 2);
    assert_eq!(ranks[&0], e.log_file(job, 0));
    assert_eq!(ranks[&1], e.log_file(job, 1));
    // A running job without --follow: what is there now, then 0 (its run goes on writing).
    let running = "dreamy_snail_tm8r2p4k1q";
    let started = Instant::now();
    let r = e.cmd(&["logs", running]).output().unwrap();
    assert_eq!(r.status.code(), Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!r.stdout.is_empty());
    let file = e.log_file(running, 0);
    assert!(
        file.starts_with(&r.stdout),
        "what was printed is the file so far"
    );
    // Usage errors are 2; an unknown job is 1.
    e.run(&["logs", job, "--rank", "0", "--all-ranks"])
        .expect(2);
    e.run(&["logs", "no_such_job"]).expect(1);
    // A file or rank the run does not have is said, with the files it has.
    for missing in [&["--file", "user_logs/nope.txt"][..], &["--rank", "7"][..]] {
        let mut args = vec!["logs", job];
        args.extend_from_slice(missing);
        let r = e.run(&args);
        r.expect(1);
        assert!(r.stdout.is_empty());
        assert!(
            r.stderr.contains("its log files: ")
                && r.stderr.contains("user_logs/std_log_process_1.txt"),
            "{}",
            r.stderr
        );
    }
    // A reader that stops early ends the command quietly with 0.
    let mut child = e
        .cmd(&["logs", job, "--all-ranks"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Numbered lines per rank with small sleeps.
fn numbered(lines: u32, sleep: &str) -> String {
    format!("for i in $(seq 1 {lines}); do echo \"rank $RANK line $i\"; sleep {sleep}; done")
}

fn expected(rank: u32, lines: u32) -> Vec<u8> {
    (1..=lines)
        .flat_map(|i| format!("rank {rank} line {i}\n").into_bytes())
        .collect()
}

#[test]
fn follow_all_ranks_prints_every_line_once_and_ends_with_the_run() {
    let e = Emulator::start("20", None);
    e.submit("two-ranks", &numbered(15, "0.05"), 2);
    // Started while the job is still queued: it waits, then prints as lines come.
    let r = e
        .cmd(&["logs", "two-ranks", "--follow", "--all-ranks"])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let ranks = per_rank(&r.stdout);
    assert_eq!(ranks.len(), 2, "{}", String::from_utf8_lossy(&r.stdout));
    for rank in 0..2 {
        assert_eq!(
            String::from_utf8_lossy(&ranks[&rank]),
            String::from_utf8_lossy(&expected(rank, 15))
        );
    }
    // Off a terminal nothing but the lines: no waiting note, no colour.
    assert!(
        r.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(!r.stdout.contains(&0x1b));

    // Its detail: resources and distribution, run times, a log file per rank.
    let shown = e.run(&["jobs", "show", "two-ranks"]);
    for want in [
        "Status",
        "Completed",
        "Instance count",
        "Distribution",
        "PyTorch",
        "Started",
        "Ended",
        "Duration",
        "rank 0  user_logs/std_log_process_0.txt",
        "rank 1  user_logs/std_log_process_1.txt",
    ] {
        assert!(
            shown.expect(0).stdout.contains(want),
            "{want:?} in\n{}",
            shown.stdout
        );
    }

    // `jobs stream` is the same; a failed run exits 1 with its error on stderr.
    e.submit("fails", "echo before; echo oops >&2; exit 3", 1);
    let r = e.run(&["jobs", "stream", "fails"]);
    r.expect(1);
    assert_eq!(r.stdout, "[0] before\n[0] oops\n");
    assert!(r.stderr.contains("exit"), "{}", r.stderr);
    assert!(
        r.stderr.contains("fails") && r.stderr.contains("Failed"),
        "{}",
        r.stderr
    );
    // Without --follow a failed run's logs are printed with 0.
    e.run(&["logs", "fails"]).expect(0);
}

#[test]
fn follow_of_a_canceled_run_exits_3() {
    let e = Emulator::start("20", None);
    e.submit("long", "echo started; sleep 30", 1);
    let child = e
        .cmd(&["logs", "long", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Cancel once it runs (its first line is on disk).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = e.run(&["jobs", "show", "long", "-o", "json"]).json();
        if shown["properties"]["status"] == "Running" {
            break;
        }
        assert!(Instant::now() < deadline, "{shown}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Ctrl-C stops following quietly with 130; the run goes on.
    let mut interrupted = e
        .cmd(&["logs", "long", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(interrupted.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "started\n");
    // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
    unsafe {
        libc::kill(interrupted.id() as libc::pid_t, libc::SIGINT);
    }
    let out = interrupted.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    e.run(&["jobs", "cancel", "long"]).expect(0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "started\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("canceled"));
}

/// Issue 10, item 7: under injected 500s, 429s and dropped connections (seeded), following
/// every rank prints exactly the bytes each rank wrote, no line lost or repeated.
#[test]
fn follow_under_faults_prints_exactly_what_each_rank_wrote() {
    let e = Emulator::start(
        "20",
        Some("error=0.06,throttle=0.02,drop=0.04,retry-after=1s,seed=11"),
    );
    // About three seconds of output per rank, so the tail reads the files while they grow.
    e.submit("faulty", &numbered(40, "0.07"), 2);
    let r = e
        .cmd(&["logs", "faulty", "--follow", "--all-ranks"])
        .env("AMLC_LOG", "amlc=debug")
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let ranks = per_rank(&r.stdout);
    assert_eq!(ranks.len(), 2);
    for rank in 0..2 {
        let written = e.log_file("faulty", rank);
        assert_eq!(written, expected(rank, 40));
        assert_eq!(
            String::from_utf8_lossy(&ranks[&rank]),
            String::from_utf8_lossy(&written),
            "rank {rank}"
        );
    }
    // The faults did hit the tail's requests (the client's log says what it retried).
    let log = std::fs::read_to_string(e.home.path().join("amlc.log")).unwrap_or_default();
    let retried = log.lines().filter(|l| l.contains("retrying")).count();
    assert!(retried >= 3, "only {retried} retries:\n{log}");
    for rank in 0..2 {
        let pieces = log
            .lines()
            .filter(|l| l.contains(&format!("std_log_process_{rank}.txt status=206")))
            .count();
        assert!(pieces >= 2, "rank {rank} read in {pieces} piece(s):\n{log}");
    }
}

/// `amlc ARGS` run on a pseudo-terminal by script(1) until the terminal shows `until` (10 s at
/// most); `None` without script(1). Returns what the terminal showed.
fn on_terminal(e: &Emulator, args: &[&str], env: &[(&str, &str)], until: &str) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).is_file())?;
    let cmd = e.cmd(args);
    let mut line: Vec<String> = vec![cmd.get_program().to_string_lossy().into_owned()];
    line.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let mut child = bare_program(script, e.home.path());
    child
        .args(["-qec", &line.join(" "), "/dev/null"])
        .env("AMLC_TOKEN", &e.token)
        .env("AMLC_LOG_POLL_MS", "50,100,300")
        .env("TERM", "xterm");
    for (k, v) in env {
        child.env(k, v);
    }
    let mut child = child
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut out, &mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut shown = String::new();
    while Instant::now() < deadline && !shown.contains(until) {
        if let Ok(s) = rx.recv_timeout(Duration::from_millis(100)) {
            shown = s;
        }
    }
    // A command that ends by itself ends script(1); one that follows is ended by killing
    // script(1), whose terminal then hangs up on amlc.
    let grace = Instant::now() + Duration::from_millis(500);
    while Instant::now() < grace && matches!(child.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    while let Ok(s) = rx.try_recv() {
        shown = s;
    }
    Some(shown)
}

#[test]
fn on_a_terminal_ranks_are_coloured_and_a_queued_job_says_it_waits() {
    let e = Emulator::start("20", None);
    let job = "brisk_owl_8p1q6z3w5n";
    // script(1) (util-linux) is required, as tmux is for the TUI tests: .ci/run installs it.
    let shown = on_terminal(&e, &["logs", job, "--all-ranks"], &[], "[1]")
        .expect("script(1) from util-linux is required to run this test on a pseudo-terminal");
    assert!(shown.contains("\x1b[36m[0]\x1b[0m "), "{shown:?}");
    assert!(shown.contains("\x1b[33m[1]\x1b[0m "), "{shown:?}");
    let plain = on_terminal(
        &e,
        &["logs", job, "--all-ranks"],
        &[("NO_COLOR", "1")],
        "[1]",
    )
    .unwrap();
    assert!(
        plain.contains("[1] ") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    // On the stopped instance the job stays queued: the command says it waits.
    e.run(&["jobs", "list"]).expect(0);
    let url = format!("{}{WS}/jobs/queued?api-version=2025-12-01", e.url);
    let body = json!({"properties": {"jobType": "Command", "command": "echo hi",
        "computeId": format!("/{WS}/computes/ci-bob")}});
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let r = reqwest::Client::new()
                .put(&url)
                .bearer_auth(&e.token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        });
    let shown = on_terminal(&e, &["logs", "queued", "--follow"], &[], "waiting").unwrap();
    assert!(
        shown.contains("amlc: job queued is Queued; waiting for its logs"),
        "{shown:?}"
    );
}

/// Without --follow, a finished job whose file holds a line longer than one poll's reads is
/// read to its end (polls that bring no complete line do not end the command), and into a pipe
/// the output is the file byte for byte: a 17 MB line whole, invalid UTF-8 and CRLF as written.
#[test]
fn logs_of_a_finished_job_read_past_a_line_longer_than_a_poll() {
    let e = Emulator::start("20", None);
    e.submit(
        "longline",
        "head -c 17000000 /dev/zero | tr '\\0' x; echo; printf 'caf\\351\\r\\n'; echo after-the-long-line; echo last",
        1,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = e.run(&["jobs", "show", "longline", "-o", "json"]);
        let status = serde_json::from_str::<serde_json::Value>(&r.stdout)
            .ok()
            .and_then(|j| j["properties"]["status"].as_str().map(str::to_owned));
        if status.as_deref() == Some("Completed") {
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {status:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = e.cmd(&["logs", "longline"]).output().unwrap();
    assert_eq!(r.status.code(), Some(0));
    let file = e.log_file("longline", 0);
    assert!(file.len() > 17_000_000);
    assert!(file.ends_with(b"caf\xe9\r\nafter-the-long-line\nlast\n"));
    assert!(
        r.stdout == file,
        "{} bytes printed of {}",
        r.stdout.len(),
        file.len()
    );
}
