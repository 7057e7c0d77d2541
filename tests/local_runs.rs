//! The local target (`compute: local`, issue 11 item 5): real processes started by
//! `submit::local::LocalRuns` in a temporary root, plans built from `job_yaml::load` and
//! `Snapshot::of_path` as the submit flow builds them. Every test ends its runs (waits for them
//! or cancels them), so no process is left behind.

use amlc::submit::flow::Plan;
use amlc::submit::job_yaml;
use amlc::submit::local::{LocalRun, LocalRuns, LocalStatus, RUN_DIR_ENV};
use amlc::submit::snapshot::Snapshot;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A code folder with `files`, a job file beside it, and a root for the runs.
struct Setup {
    tmp: tempfile::TempDir,
}

/// Ends every run still going under `root` (a failed assertion must not leave processes).
fn end_all(root: &Path) {
    let runs = LocalRuns::open(root).with_grace(Duration::from_millis(500));
    for run in runs.list() {
        if run.status == LocalStatus::Running {
            let _ = runs.cancel(&run.name);
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        end_all(&self.root());
    }
}

impl Setup {
    fn new() -> Setup {
        Setup {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("runs")
    }

    fn runs(&self) -> LocalRuns {
        LocalRuns::open(self.root()).with_grace(Duration::from_secs(2))
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A plan for the job YAML `yaml` (paths relative to the temp dir), named `name`.
    fn plan(&self, name: &str, yaml: &str) -> Plan {
        let spec = job_yaml::load("job.yml", yaml, self.tmp.path(), &[]).expect("job file");
        let snapshot = match &spec.code {
            Some(job_yaml::Code::Local(p)) => Some(Snapshot::of_path(p).expect("snapshot")),
            _ => None,
        };
        Plan {
            experiment_name: spec
                .experiment_name
                .clone()
                .unwrap_or_else(|| "local-tests".into()),
            job_name: name.to_string(),
            spec,
            snapshot,
            git: vec![("azureml.git.commit".into(), "abc123".into())],
            notes: vec!["a note from the plan".into()],
        }
    }
}

fn wait_end(runs: &LocalRuns, name: &str, secs: u64) -> LocalRun {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let run = runs.get(name).expect("run is listed");
        if run.status != LocalStatus::Running {
            return run;
        }
        if Instant::now() > deadline {
            let _ = runs.cancel(name);
            panic!("run {name} did not end in {secs}s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn log(run: &LocalRun) -> String {
    std::fs::read_to_string(run.log_path()).unwrap_or_default()
}

/// Pids of live processes whose environment carries `AMLC_LOCAL_RUN_DIR=<dir>`.
fn processes_of(dir: &Path) -> Vec<i32> {
    let want = format!("{RUN_DIR_ENV}={}", dir.display());
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let state = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next().map(str::to_owned));
        if state.as_deref() == Some("Z") {
            continue;
        }
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|kv| kv == want.as_bytes()) {
            pids.push(pid);
        }
    }
    pids
}

const TWO_FILES: &str = "\
command: sh run.sh && cat data/msg.txt
code: src
environment:
  image: python:3.11
  conda_file: conda.yml
compute: local
display_name: two files
";

#[test]
fn a_two_file_snapshot_runs_and_completes() {
    let s = Setup::new();
    s.write("src/run.sh", "echo from-script; echo to-stderr >&2\n");
    s.write("src/data/msg.txt", "hello from the snapshot\n");
    s.write("conda.yml", "name: x\n");
    let runs = s.runs();
    let run = runs.start(&s.plan("two_files_1", TWO_FILES)).unwrap();
    assert_eq!(run.dir, s.root().join("two_files_1"));
    assert!(run.dir.join("code/run.sh").is_file());
    assert!(run.dir.join("code/data/msg.txt").is_file());
    let run = wait_end(&runs, "two_files_1", 20);
    assert_eq!(run.status, LocalStatus::Completed, "{run:?}");
    assert_eq!(run.exit_code, Some(0));
    assert!(run.end_ms.is_some());
    let text = log(&run);
    assert!(text.contains("from-script\n"), "{text}");
    assert!(text.contains("to-stderr\n"), "{text}");
    assert!(text.contains("hello from the snapshot\n"), "{text}");
    // The conda file and the image are reported as not applied, in the notes and the system log.
    let joined = run.notes.join("\n");
    assert!(joined.contains("conda file"), "{joined}");
    assert!(joined.contains("a note from the plan"), "{joined}");
    let system = std::fs::read_to_string(run.dir.join("system_logs/local.txt")).unwrap();
    assert!(system.contains("not applied"), "{system}");
    assert!(
        !system.contains("run.sh"),
        "the command is never logged: {system}"
    );
    // job.json is a job body: no computeId, the git properties, shown as a local job.
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.dir.join("job.json")).unwrap()).unwrap();
    assert!(body["properties"].get("computeId").is_none(), "{body}");
    assert_eq!(
        body["properties"]["properties"]["azureml.git.commit"],
        "abc123"
    );
    assert_eq!(body["properties"]["jobType"], "Command");
    let job = run.to_job();
    assert_eq!(job.name.as_deref(), Some("two_files_1"));
    assert_eq!(job.status().map(|s| s.as_str()), Some("Completed"));
    assert_eq!(job.properties.display_name.as_deref(), Some("two files"));
}

#[test]
fn a_failing_command_ends_failed_with_its_code() {
    let s = Setup::new();
    let runs = s.runs();
    let yaml = "command: echo before; exit 7\ncompute: local\n";
    runs.start(&s.plan("fails_1", yaml)).unwrap();
    let run = wait_end(&runs, "fails_1", 20);
    assert_eq!(run.status, LocalStatus::Failed);
    assert_eq!(run.exit_code, Some(7));
    assert!(
        run.error.as_deref().unwrap_or("").contains("code 7"),
        "{run:?}"
    );
    assert!(log(&run).contains("before\n"));
    let job = run.to_job();
    assert_eq!(job.status().map(|s| s.as_str()), Some("Failed"));
}

#[test]
fn an_existing_name_is_refused() {
    let s = Setup::new();
    let runs = s.runs();
    let plan = s.plan("dup_1", "command: true\ncompute: local\n");
    runs.start(&plan).unwrap();
    let err = runs.start(&plan).unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(wait_end(&runs, "dup_1", 20).status, LocalStatus::Completed);
}

#[test]
fn inputs_outputs_and_environment_variables() {
    let s = Setup::new();
    let data = s.write("data/in.csv", "a,b\n");
    let yaml = "\
command: >-
  echo lr=${{inputs.lr}} file=${{inputs.data}} remote=${{inputs.remote}} &&
  echo made > ${{outputs.model}}/m.txt &&
  echo out=${{outputs.model}} &&
  echo env=$MY_VAR rank=$RANK world=$WORLD_SIZE run=$AZUREML_RUN_ID exp=$AZUREML_EXPERIMENT_NAME
inputs:
  lr: 0.01
  data:
    type: uri_file
    path: data/in.csv
  remote:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/x/
outputs:
  model:
    type: uri_folder
environment_variables:
  MY_VAR: hello-env
resources:
  instance_count: 2
experiment_name: exp-local
compute: local
";
    let runs = s.runs();
    let run = runs.start(&s.plan("io_1", yaml)).unwrap();
    assert!(
        run.notes.iter().any(|n| n.contains("one process")),
        "{:?}",
        run.notes
    );
    let run = wait_end(&runs, "io_1", 20);
    assert_eq!(run.status, LocalStatus::Completed, "{}", log(&run));
    let text = log(&run);
    let data = std::fs::canonicalize(data).unwrap();
    assert!(
        text.contains(&format!(
            "lr=0.01 file={} remote=azureml://datastores/workspaceblobstore/paths/x/",
            data.display()
        )),
        "{text}"
    );
    let out = run.dir.join("outputs/model");
    assert!(text.contains(&format!("out={}", out.display())), "{text}");
    assert_eq!(
        std::fs::read_to_string(out.join("m.txt")).unwrap(),
        "made\n"
    );
    assert!(
        text.contains("env=hello-env rank=0 world=1 run=io_1 exp=exp-local"),
        "{text}"
    );
}

#[test]
fn the_command_is_on_no_process_command_line() {
    let s = Setup::new();
    let runs = s.runs();
    let yaml = "command: sleep 30; echo token-abc-marker\ncompute: local\n";
    let run = runs.start(&s.plan("argv_1", yaml)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_of(&run.dir).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pids = processes_of(&run.dir);
    assert!(!pids.is_empty());
    for pid in &pids {
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&argv).contains("token-abc-marker"),
            "process {pid} shows the command: {}",
            String::from_utf8_lossy(&argv)
        );
    }
    assert_eq!(runs.cancel("argv_1").unwrap().status, LocalStatus::Canceled);
    assert!(processes_of(&run.dir).is_empty());
}

#[test]
fn a_refresh_racing_a_cancel_records_it_canceled_and_an_ending_is_never_undone() {
    let s = Setup::new();
    let runs = s.runs();
    let run = runs
        .start(&s.plan("race_1", "command: sleep 60\ncompute: local\n"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_of(&run.dir).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A cancel has said so and signalled the group, but not yet recorded the end, when another
    // amlc refreshes the list: the run is canceled, not "ended without an exit code".
    std::fs::write(run.dir.join("cancel_requested"), b"").unwrap();
    for pid in processes_of(&run.dir) {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_of(&run.dir).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = LocalRuns::open(s.root()).get("race_1").unwrap();
    assert_eq!(seen.status, LocalStatus::Canceled, "{:?}", seen.error);
    // The cancel's own end then changes nothing, and a finished run stays as it ended.
    assert_eq!(runs.cancel("race_1").unwrap().status, LocalStatus::Canceled);
    runs.start(&s.plan("race_2", "command: exit 3\ncompute: local\n"))
        .unwrap();
    assert_eq!(wait_end(&runs, "race_2", 20).status, LocalStatus::Failed);
    assert_eq!(runs.cancel("race_2").unwrap().status, LocalStatus::Failed);
}

#[test]
fn cancel_ends_the_run_and_its_children() {
    let s = Setup::new();
    let runs = s.runs();
    let yaml = "command: sleep 60 & sleep 60; wait\ncompute: local\n";
    let run = runs.start(&s.plan("cancel_1", yaml)).unwrap();
    // Both sleeps are up (the shell and its children carry the run dir).
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_of(&run.dir).len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        processes_of(&run.dir).len() >= 3,
        "{:?}",
        processes_of(&run.dir)
    );
    assert_eq!(runs.get("cancel_1").unwrap().status, LocalStatus::Running);
    let t = Instant::now();
    let canceled = runs.cancel("cancel_1").unwrap();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(canceled.status, LocalStatus::Canceled);
    assert!(
        processes_of(&run.dir).is_empty(),
        "{:?}",
        processes_of(&run.dir)
    );
    // It stays canceled, also for a new store on the same root.
    assert_eq!(
        LocalRuns::open(s.root()).get("cancel_1").unwrap().status,
        LocalStatus::Canceled
    );
    // A run already ended is left as it is.
    runs.start(&s.plan("done_1", "command: true\ncompute: local\n"))
        .unwrap();
    assert_eq!(wait_end(&runs, "done_1", 20).status, LocalStatus::Completed);
    assert_eq!(
        runs.cancel("done_1").unwrap().status,
        LocalStatus::Completed
    );
    assert!(runs.cancel("nope").is_err());
}

#[test]
fn status_and_log_survive_a_restart() {
    let s = Setup::new();
    let runs = s.runs();
    let yaml = "command: echo first; while [ ! -e go ]; do sleep 0.05; done; echo second\ncompute: local\n";
    let run = runs.start(&s.plan("restart_1", yaml)).unwrap();
    drop(runs);
    // A new store on the same root (amlc restarted) sees it running, with its log so far.
    let again = LocalRuns::open(s.root());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log(&run).contains("first") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = again.get("restart_1").unwrap();
    assert_eq!(seen.status, LocalStatus::Running);
    assert!(log(&seen).contains("first\n"));
    assert_eq!(again.list().len(), 1);
    std::fs::write(run.dir.join("code/go"), "").unwrap();
    let ended = wait_end(&again, "restart_1", 20);
    assert_eq!(ended.status, LocalStatus::Completed);
    // And after it ended, for yet another store.
    let third = LocalRuns::open(s.root()).get("restart_1").unwrap();
    assert_eq!(third.status, LocalStatus::Completed);
    assert_eq!(third.end_ms, ended.end_ms);
    assert_eq!(log(&third), "first\nsecond\n");
}

#[test]
fn a_process_gone_without_exit_code_is_failed() {
    let s = Setup::new();
    let runs = s.runs();
    runs.start(&s.plan("gone_1", "command: true\ncompute: local\n"))
        .unwrap();
    // Wait until the wrapper is done, then remove its exit code as a crash would leave it.
    let run = wait_end(&runs, "gone_1", 20);
    let status_path = run.dir.join("status.json");
    let mut status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&status_path).unwrap()).unwrap();
    status["status"] = "Running".into();
    status["end_ms"] = serde_json::Value::Null;
    status["exit_code"] = serde_json::Value::Null;
    std::fs::write(&status_path, status.to_string()).unwrap();
    std::fs::remove_file(run.dir.join("exit_code")).unwrap();
    let run = runs.get("gone_1").unwrap();
    assert_eq!(run.status, LocalStatus::Failed);
    assert!(
        run.error
            .as_deref()
            .unwrap_or("")
            .contains("without an exit code"),
        "{run:?}"
    );
}

#[test]
fn an_unreadable_status_is_an_error_not_a_panic() {
    let s = Setup::new();
    let dir = s.root().join("broken_1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("status.json"), "{not json").unwrap();
    let runs = s.runs();
    assert!(runs.read("broken_1").is_err());
    assert!(runs.get("broken_1").is_none());
    assert!(runs.list().is_empty());
    assert!(runs.cancel("broken_1").is_err());
}

// ---------------------------------------------------------------------------------------------
// The log follower and `run_local`
// ---------------------------------------------------------------------------------------------

mod cli_common;

use amlc::logs::LocalFollower;
use std::process::ExitCode;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_follower_returns_every_line_once_with_partial_lines_held() {
    let s = Setup::new();
    let runs = s.runs();
    // 200 numbered lines, then a partial line completed later, then a last line without newline.
    let yaml = "command: >-\n  i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done;\n  printf 'part'; sleep 0.3; printf 'ial\\n'; printf 'last'\ncompute: local\n";
    runs.start(&s.plan("follow_1", yaml)).unwrap();
    let mut f = LocalFollower::new(runs.clone(), "follow_1").with_poll_bytes(37);
    let mut lines = Vec::new();
    let mut saw_file = false;
    let mut capped = false;
    let rt = rt();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let b = rt.block_on(f.next()).unwrap();
        saw_file |= b.new_files == vec!["user_logs/std_log.txt".to_string()];
        capped |= b.more;
        for (file, line) in &b.lines {
            assert_eq!(&**file, "user_logs/std_log.txt");
            assert_eq!(amlc::logs::rank_of(file), Some(0));
            lines.push(line.text.clone());
        }
        if b.ended {
            assert_eq!(b.status, "Completed");
            break;
        }
        assert!(Instant::now() < deadline, "never ended");
    }
    assert!(saw_file);
    assert!(capped, "a poll is bounded");
    let mut want: Vec<String> = (0..200).map(|i| format!("line-{i}")).collect();
    want.push("partial".into());
    want.push("last".into());
    assert_eq!(lines, want);
    // After the end: empty ended batches.
    let b = rt.block_on(f.next()).unwrap();
    assert!(b.ended && b.lines.is_empty());
}

#[test]
fn run_local_streams_the_output_and_exits_as_logs_follow() {
    let s = Setup::new();
    s.write("src/run.sh", "echo hello-from-run; echo warn >&2\n");
    let runs = s.runs();
    let rt = rt();
    let yaml = "command: sh run.sh\ncode: src\ncompute: local\n";
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    let code = rt
        .block_on(amlc::commands::local::run_local_in(
            &runs,
            &s.plan("stream_1", yaml),
            true,
            &mut out,
            &mut notes,
        ))
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    // Printed as `jobs stream` prints a workspace job: every rank, prefixed.
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "stream_1\n[0] hello-from-run\n[0] warn\n"
    );
    let notes = String::from_utf8(notes).unwrap();
    assert!(notes.contains("runs on this computer in"), "{notes}");
    assert!(notes.contains(&runs.root().join("stream_1").display().to_string()));
    assert!(notes.contains("current environment"), "{notes}");
    assert!(notes.contains("a note from the plan"), "{notes}");

    // A failing command: exit 1, its error on notes.
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    let code = rt
        .block_on(amlc::commands::local::run_local_in(
            &runs,
            &s.plan("stream_2", "command: echo bye; exit 4\ncompute: local\n"),
            true,
            &mut out,
            &mut notes,
        ))
        .unwrap();
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(String::from_utf8(out).unwrap(), "stream_2\n[0] bye\n");
    let notes = String::from_utf8(notes).unwrap();
    assert!(notes.contains("exited with code 4"), "{notes}");

    // A canceled run: exit 3.
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    let code = rt.block_on(async {
        let plan = s.plan("stream_3", "command: echo up; sleep 60\ncompute: local\n");
        let runs2 = runs.clone();
        let canceler = tokio::task::spawn_blocking(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(r) = runs2.get("stream_3")
                    && log(&r).contains("up")
                {
                    return runs2.cancel("stream_3").map(|r| r.status);
                }
                if Instant::now() > deadline {
                    return runs2.cancel("stream_3").map(|r| r.status);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let code = amlc::commands::local::run_local_in(&runs, &plan, true, &mut out, &mut notes)
            .await
            .unwrap();
        assert_eq!(canceler.await.unwrap().unwrap(), LocalStatus::Canceled);
        code
    });
    assert_eq!(code, ExitCode::from(3));
    assert_eq!(String::from_utf8(out).unwrap(), "stream_3\n[0] up\n");
    assert!(processes_of(&runs.root().join("stream_3")).is_empty());

    // Without --stream: the name only, the run goes on (waited for here).
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    let code = rt
        .block_on(amlc::commands::local::run_local_in(
            &runs,
            &s.plan("stream_4", "command: echo quiet\ncompute: local\n"),
            false,
            &mut out,
            &mut notes,
        ))
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(String::from_utf8(out).unwrap(), "stream_4\n");
    assert_eq!(
        wait_end(&runs, "stream_4", 20).status,
        LocalStatus::Completed
    );
}

// ---------------------------------------------------------------------------------------------
// The binary: `amlc logs`, `jobs show|list|cancel` on local runs
// ---------------------------------------------------------------------------------------------

#[test]
fn the_binary_shows_lists_follows_and_cancels_local_runs() {
    let emu = cli_common::Emulator::start("60", None);
    let root = emu.home.path().join(".local/share/amlc/local-runs");
    let runs = LocalRuns::open(&root).with_grace(Duration::from_secs(2));
    struct EndAll(PathBuf);
    impl Drop for EndAll {
        fn drop(&mut self) {
            end_all(&self.0);
        }
    }
    let _guard = EndAll(root.clone());
    let s = Setup::new();
    runs.start(&s.plan(
        "bin_done",
        "command: echo out-1; echo out-2\ncompute: local\ndisplay_name: local one\n",
    ))
    .unwrap();
    assert_eq!(
        wait_end(&runs, "bin_done", 20).status,
        LocalStatus::Completed
    );

    let r = emu.run(&["logs", "bin_done"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "out-1\nout-2\n");
    let r = emu.run(&["logs", "bin_done", "--follow"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "out-1\nout-2\n"),
        "{}",
        r.stderr
    );
    let r = emu.run(&["jobs", "stream", "bin_done"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "[0] out-1\n[0] out-2\n"),
        "{}",
        r.stderr
    );
    let r = emu.run(&["logs", "bin_done", "--rank", "1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("user_logs/std_log.txt"), "{}", r.stderr);

    let r = emu.run(&["jobs", "show", "bin_done"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Completed"), "{}", r.stdout);
    assert!(r.stdout.contains("Run folder"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&root.join("bin_done").display().to_string())
    );
    let r = emu.run(&["jobs", "show", "bin_done", "-o", "json"]);
    assert_eq!(r.json()["properties"]["status"], "Completed");

    // A failed run: logs --follow exits 1 with its error.
    runs.start(&s.plan("bin_fail", "command: exit 5\ncompute: local\n"))
        .unwrap();
    wait_end(&runs, "bin_fail", 20);
    let r = emu.run(&["logs", "bin_fail", "--follow"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("exited with code 5"), "{}", r.stderr);

    // A running one, canceled through the binary (logs --follow then exits 3).
    runs.start(&s.plan("bin_run", "command: sleep 60\ncompute: local\n"))
        .unwrap();
    let list = emu.run(&["jobs", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let row = |name: &str| {
        list.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} not in {}", list.stdout))
            .to_string()
    };
    assert!(row("bin_run ").contains("Running"), "{}", row("bin_run "));
    assert!(row("bin_run ").contains(" local "), "{}", row("bin_run "));
    assert!(row("bin_done ").contains("Completed"));
    assert!(row("bin_done ").contains("local one"));
    assert!(row("bin_fail ").contains("Failed"));
    // The workspace's own jobs are still listed.
    assert!(list.stdout.lines().count() > 4, "{}", list.stdout);
    let json = emu.run(&["jobs", "list", "-o", "json"]).json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|j| j["name"] == "bin_run"),
        "{json}"
    );

    let r = emu.run(&["jobs", "cancel", "bin_run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("canceled"), "{}", r.stderr);
    assert_eq!(runs.get("bin_run").unwrap().status, LocalStatus::Canceled);
    assert!(processes_of(&root.join("bin_run")).is_empty());
    let r = emu.run(&["logs", "bin_run", "--follow"]);
    assert_eq!(r.code, 3, "{}", r.stderr);

    // Ctrl-C while following: 130, the note says the run goes on, and it does.
    let run = runs
        .start(&s.plan(
            "bin_int",
            "command: echo up; while [ ! -e stop ]; do sleep 0.05; done; echo down\ncompute: local\n",
        ))
        .unwrap();
    let mut child = emu
        .cmd(&["logs", "bin_int", "--follow"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first, "up\n");
    // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("goes on"), "{stderr}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(runs.get("bin_int").unwrap().status, LocalStatus::Running);
    assert!(!processes_of(&run.dir).is_empty());
    std::fs::write(run.dir.join("code/stop"), "").unwrap();
    assert_eq!(
        wait_end(&runs, "bin_int", 20).status,
        LocalStatus::Completed
    );
    assert!(log(&run).ends_with("down\n"));
}

#[test]
fn disk_errors_are_clear_errors_and_recorded() {
    let s = Setup::new();
    // A root that cannot be created (a file is in the way).
    let file = s.write("not-a-dir", "x");
    let err = LocalRuns::open(file.join("runs"))
        .start(&s.plan("disk_1", "command: true\ncompute: local\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not-a-dir"), "{err}");
    // A snapshot file gone between the plan and the start: the copy fails, said with its
    // path, and the run is recorded as failed (no process started).
    s.write("src/a.sh", "echo a\n");
    let gone = s.write("src/b.sh", "echo b\n");
    let plan = s.plan("disk_2", "command: sh a.sh\ncode: src\ncompute: local\n");
    std::fs::remove_file(&gone).unwrap();
    let runs = s.runs();
    let err = runs.start(&plan).unwrap_err().to_string();
    assert!(err.contains("b.sh"), "{err}");
    let run = runs.get("disk_2").unwrap();
    assert_eq!(run.status, LocalStatus::Failed);
    assert!(
        run.error
            .as_deref()
            .unwrap_or("")
            .contains("could not start"),
        "{run:?}"
    );
    assert!(processes_of(&run.dir).is_empty());
}
