//! The real `amlc` binary's `jobs create -f FILE` and `jobs submit … -- COMMAND` against `amlc
//! emulator --demo` on loopback (sped up): a code folder with a script is snapshotted, uploaded
//! and run on the demo's cluster, and `--stream` prints the script's output; a second submit of
//! the same folder reuses the code asset and uploads nothing (checked on the emulator: one code
//! version for the hash, no new blob prefix); a changed file uploads again; `--dry-run` sends
//! nothing; a bad file is refused with FILE:LINE; the quick form; an inline image environment;
//! `@latest`; a local `uri_folder` input that the script reads. What a submit leaves is checked
//! through the emulator's REST API (code versions by hash, List Blobs, `jobs show -o json`),
//! never by the command's own words alone. Each test has its own emulator.
//!
//! `submit_timing_1000_files` (ignored) measures a submit of a 1,000-file folder, new and
//! reused: `cargo build --release --bin amlc && AMLC_BIN=$PWD/target/release/amlc cargo test
//! --test cli_submit submit_timing -- --ignored --nocapture`.

mod cli_common;

use amlc::azure::http::{Pipeline, PipelineOptions, Request, StaticBearer};
use amlc::submit::snapshot::Snapshot;
use cli_common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

impl Emulator {
    /// Writes `text` at `rel` under `proj/` of the emulator's home; returns its path.
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.home.path().join("proj").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn proj(&self) -> PathBuf {
        self.home.path().join("proj")
    }

    /// A GET on the emulator with its token, as JSON (or the body's text for XML).
    fn get(&self, path_and_query: &str) -> (u16, String) {
        let pipeline = Pipeline::new(
            Some(Arc::new(StaticBearer::new(self.token.clone()))),
            PipelineOptions::default(),
        )
        .unwrap();
        let url = url::Url::parse(&format!(
            "{}{}",
            self.url.trim_end_matches('/'),
            path_and_query
        ))
        .unwrap();
        let r = block(pipeline.send_raw(Request::get(url))).unwrap();
        (
            r.status.as_u16(),
            String::from_utf8_lossy(&r.body).into_owned(),
        )
    }

    /// The code versions of the demo workspace with this content hash.
    fn code_versions(&self, hash: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!(
            "/{WS}/codes/any/versions?api-version=2025-12-01&hash={hash}&hashVersion=202208"
        ));
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["value"].as_array().cloned().unwrap_or_default()
    }

    /// The `LocalUpload/<g>` prefixes of the workspace's blob container.
    fn blob_prefixes(&self) -> BTreeSet<String> {
        let (status, body) = self.get(&format!(
            "/{WS}/datastores/workspaceblobstore?api-version=2025-12-01"
        ));
        assert_eq!(status, 200, "{body}");
        let store: Value = serde_json::from_str(&body).unwrap();
        let account = store["properties"]["accountName"].as_str().unwrap();
        let container = store["properties"]["containerName"].as_str().unwrap();
        let (status, xml) = self.get(&format!(
            "/storage/{account}/{container}?restype=container&comp=list&prefix=LocalUpload/"
        ));
        assert_eq!(status, 200, "{xml}");
        xml.split("<Name>")
            .skip(1)
            .filter_map(|s| s.split("</Name>").next())
            .filter_map(|name| {
                let mut parts = name.split('/');
                Some(format!("{}/{}", parts.next()?, parts.next()?))
            })
            .collect()
    }

    /// `amlc GLOBALS ARGS`: the globals first, for commands whose last arguments follow `--`.
    fn run_globals_first(&self, args: &[&str]) -> Run {
        let mut cmd = bare(self.home.path());
        cmd.args(["--endpoint", &self.url, "--auth", "token"])
            .args(["--subscription", SUB])
            .args(["-g", "demo-rg", "-w", "demo-ws"])
            .args(args)
            .env("AMLC_TOKEN", &self.token)
            .env("AMLC_LOG_POLL_MS", "50,100,300");
        Run::of(cmd.output().unwrap())
    }

    fn job(&self, name: &str) -> Value {
        self.run(&["jobs", "show", name, "-o", "json"])
            .expect(0)
            .json()
    }
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

const JOB: &str = "\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python3 train.py --epochs ${{inputs.epochs}}
code: src
environment: azureml:sklearn-env:1
compute: azureml:cpu-cluster
inputs:
  epochs: 3
";

const SCRIPT: &str = "import sys\nprint('hello from the snapshot', sys.argv[1:])\n";

#[test]
fn create_streams_the_script_then_reuses_the_code_and_a_change_uploads_again() {
    let emu = Emulator::start("50", None);
    let file = emu.write("job.yml", JOB);
    emu.write("src/train.py", SCRIPT);
    emu.write("src/.amlignore", "*.log\n");
    emu.write("src/debug.log", "not uploaded\n");
    let hash = Snapshot::of_path(&emu.proj().join("src"))
        .unwrap()
        .content_hash;

    let first = emu.run(&["jobs", "create", "-f", arg(&file), "--stream"]);
    first.expect(0);
    let mut lines = first.stdout.lines();
    let name = lines.next().unwrap().to_string();
    assert!(
        first
            .stdout
            .contains("hello from the snapshot ['--epochs', '3']"),
        "{}",
        first.stdout
    );
    // The ignore file itself goes up, the ignored log does not (as the SDK).
    assert!(first.stderr.contains("2 files, "), "{}", first.stderr);
    assert!(first.stderr.contains(".amlignore"), "{}", first.stderr);
    assert!(
        first.stderr.contains("uploading 2 files"),
        "{}",
        first.stderr
    );
    assert!(!first.stderr.contains("sig="), "{}", first.stderr);
    let versions = emu.code_versions(&hash);
    assert_eq!(versions.len(), 1, "{versions:?}");
    let prefixes = emu.blob_prefixes();
    assert_eq!(prefixes.len(), 1, "{prefixes:?}");
    let job = emu.job(&name);
    assert_eq!(job["properties"]["codeId"], versions[0]["id"]);
    assert_eq!(job["properties"]["status"], "Completed");

    // Again: reused, nothing uploaded, nothing new on the emulator.
    let second = emu.run(&["jobs", "create", "-f", arg(&file)]);
    second.expect(0);
    assert!(
        second.stderr.contains("code asset reused") && second.stderr.contains("nothing uploaded"),
        "{}",
        second.stderr
    );
    assert!(!second.stderr.contains("uploading"), "{}", second.stderr);
    assert_eq!(emu.code_versions(&hash).len(), 1);
    assert_eq!(emu.blob_prefixes(), prefixes);
    let name2 = second.stdout.trim();
    assert_ne!(name2, name);
    assert_eq!(emu.job(name2)["properties"]["codeId"], versions[0]["id"]);

    // A changed file: a new upload and a new code version.
    emu.write("src/train.py", &format!("{SCRIPT}print('changed')\n"));
    let third = emu.run(&["jobs", "create", "-f", arg(&file), "--stream"]);
    third.expect(0);
    assert!(third.stdout.contains("changed"), "{}", third.stdout);
    assert!(
        third.stderr.contains("uploading 2 files"),
        "{}",
        third.stderr
    );
    assert_eq!(emu.blob_prefixes().len(), 2);
    let new_hash = Snapshot::of_path(&emu.proj().join("src"))
        .unwrap()
        .content_hash;
    assert_eq!(emu.code_versions(&new_hash).len(), 1);
}

#[test]
fn dry_run_prints_the_body_and_sends_nothing() {
    let emu = Emulator::start("50", None);
    let file = emu.write("job.yml", JOB);
    emu.write("src/train.py", SCRIPT);
    let hash = Snapshot::of_path(&emu.proj().join("src"))
        .unwrap()
        .content_hash;
    let r = emu.run(&[
        "jobs",
        "create",
        "-f",
        arg(&file),
        "--dry-run",
        "-n",
        "dry1",
        "--set",
        "experiment_name=from-set",
    ]);
    r.expect(0);
    let body = r.json();
    let p = &body["properties"];
    assert!(
        p["codeId"]
            .as_str()
            .unwrap()
            .contains("<code version of hash"),
        "{body}"
    );
    assert_eq!(
        p["environmentId"],
        format!("/{WS}/environments/sklearn-env/versions/1")
    );
    assert_eq!(p["computeId"], format!("/{WS}/computes/cpu-cluster"));
    assert_eq!(p["inputs"]["epochs"]["value"], "3");
    assert_eq!(p["experimentName"], "from-set");
    assert_eq!(p["displayName"], "dry1");
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    // --read-only refuses before anything is sent.
    let ro = emu.run(&[
        "jobs",
        "create",
        "-f",
        arg(&file),
        "-n",
        "ro1",
        "--read-only",
    ]);
    ro.expect(1);
    assert!(ro.stderr.contains("--read-only"), "{}", ro.stderr);
    assert!(emu.code_versions(&hash).is_empty());
    assert!(emu.blob_prefixes().is_empty());
    for name in ["dry1", "ro1"] {
        let show = emu.run(&["jobs", "show", name]);
        assert_ne!(show.code, 0);
        assert!(show.stderr.contains("404"), "{}", show.stderr);
    }
}

#[test]
fn a_bad_file_is_refused_with_file_line_and_rule() {
    let emu = Emulator::start("50", None);
    let file = emu.write(
        "bad.yml",
        "command: echo hi\nenvironment: azureml:sklearn-env:1\ncomptue: cpu-cluster\nresources:\n  instance_count: many\n",
    );
    let r = emu.run(&["jobs", "create", "-f", arg(&file)]);
    r.expect(2);
    let shown = file.display().to_string();
    assert!(
        r.stderr.contains(&format!("{shown}:3:1: comptue")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("{shown}:5:")), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // A job type amlc does not submit.
    let file = emu.write("sweep.yml", "type: sweep\n");
    let r = emu.run(&["jobs", "create", "-f", arg(&file)]);
    r.expect(2);
    assert!(r.stderr.contains("sweep"), "{}", r.stderr);
}

#[test]
fn the_quick_form_runs_a_command_with_latest_environment() {
    let emu = Emulator::start("50", None);
    emu.write("src/helper.txt", "from the code folder\n");
    let r = emu.run_globals_first(&[
        "jobs",
        "submit",
        "--code",
        arg(&emu.proj().join("src")),
        "--compute",
        "cpu-cluster",
        "--environment",
        "azureml:sklearn-env@latest",
        "--experiment-name",
        "quick",
        "--stream",
        "--web",
        "--",
        "python3",
        "-c",
        "print(open('helper.txt').read().strip(), 'and quick form')",
    ]);
    r.expect(0);
    assert!(
        r.stdout.contains("from the code folder and quick form"),
        "{}",
        r.stdout
    );
    let name = r.stdout.lines().next().unwrap();
    let job = emu.job(name);
    assert_eq!(
        job["properties"]["environmentId"],
        format!("/{WS}/environments/sklearn-env/versions/2")
    );
    assert_eq!(job["properties"]["experimentName"], "quick");
    // --web prints the service's Studio link (no browser is started off a terminal).
    assert!(
        r.stderr
            .contains(&format!("studio: https://ml.azure.com/runs/{name}?wsid=")),
        "{}",
        r.stderr
    );
}

#[test]
fn an_inline_image_and_a_local_folder_input() {
    let emu = Emulator::start("50", None);
    emu.write("data/rows.csv", "a,b\n1,2\n");
    emu.write("conda.yml", "name: e\ndependencies:\n  - python=3.10\n");
    let file = emu.write(
        "job.yml",
        "command: cat ${{inputs.table}}/rows.csv\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n  conda_file: conda.yml\ncompute: cpu-cluster\ninputs:\n  table:\n    type: uri_folder\n    path: data\n",
    );
    let r = emu.run(&["jobs", "create", "-f", arg(&file), "--stream", "-o", "json"]);
    r.expect(0);
    assert!(r.stdout.contains("1,2"), "{}", r.stdout);
    // The job as answered comes first (pretty JSON), then the streamed lines.
    let end = r.stdout.find("\n}\n").unwrap() + 2;
    let answered: Value = serde_json::from_str(&r.stdout[..end]).unwrap();
    let p = &answered["properties"];
    // §3.3's vector: this image with this conda file.
    assert_eq!(
        p["environmentId"],
        format!(
            "/{WS}/environments/CliV2AnonymousEnvironment/versions/6aa4b68e0ab6799733eb860bcdccec1d92d9e7e8d3c62c71518dd52350a39ccb"
        )
    );
    let hash = amlc::submit::snapshot::object_hash(&emu.proj().join("data")).unwrap();
    assert_eq!(
        p["inputs"]["table"]["uri"],
        format!("azureml://datastores/workspaceblobstore/paths/LocalUpload/{hash}/data/")
    );
    assert!(r.stderr.contains("system-managed"), "{}", r.stderr);
    // Submitted again: the environment PUT is repeated and accepted, the input not re-sent.
    let again = emu.run(&["jobs", "create", "-f", arg(&file)]);
    again.expect(0);
    assert!(!again.stderr.contains("uploading"), "{}", again.stderr);
}

#[test]
fn stream_ends_with_the_jobs_exit_code() {
    let emu = Emulator::start("50", None);
    let r = emu.run_globals_first(&[
        "jobs",
        "submit",
        "--compute",
        "cpu-cluster",
        "--environment",
        "azureml:sklearn-env:1",
        "--stream",
        "--",
        "echo about to fail; exit 3",
    ]);
    // As `amlc jobs stream`: 1 for a Failed run, its output printed first.
    r.expect(1);
    assert!(r.stdout.contains("about to fail"), "{}", r.stdout);
}

/// An `amlc emulator --demo` of `program` (the release binary for the timing), stopped when
/// dropped.
struct TimedEmulator {
    child: std::process::Child,
    url: String,
    token: String,
}

impl Drop for TimedEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The time of a submit of a 1,000-file folder, new and reused. `AMLC_BIN=target/release/amlc`
/// times a release build (client and emulator); the test's own binary otherwise.
#[test]
#[ignore]
fn submit_timing_1000_files() {
    use std::io::BufRead;
    let program = std::env::var("AMLC_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_amlc").into());
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let mut child = bare_program(&program, home.path())
        .args(["emulator", "--demo", "--port", "0", "--speed", "50"])
        .args(["--idle-timeout", "120", "--data-dir"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let emu = TimedEmulator {
        child,
        url: first.trim().rsplit(' ').next().unwrap().to_string(),
        token: std::fs::read_to_string(data.join("token"))
            .unwrap()
            .trim()
            .to_string(),
    };
    let proj = home.path().join("proj");
    for i in 0..1000 {
        let path = proj.join(format!("big/d{}/f{i}.py", i % 10));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("# file {i}\n{}\n", "x = 1\n".repeat(i % 50))).unwrap();
    }
    let file = proj.join("job.yml");
    std::fs::write(
        &file,
        "command: ls | wc -l\ncode: big\nenvironment: azureml:sklearn-env:1\ncompute: cpu-cluster\n",
    )
    .unwrap();
    let submit = || {
        let t = Instant::now();
        let out = bare_program(&program, home.path())
            .args(["jobs", "create", "-f", arg(&file)])
            .args(["--endpoint", &emu.url, "--auth", "token"])
            .args(["--subscription", SUB, "-g", "demo-rg", "-w", "demo-ws"])
            .env("AMLC_TOKEN", &emu.token)
            .output()
            .unwrap();
        (t.elapsed(), Run::of(out))
    };
    let (new, first) = submit();
    first.expect(0);
    assert!(
        first.stderr.contains("uploaded 1000 files"),
        "{}",
        first.stderr
    );
    let (reused, second) = submit();
    second.expect(0);
    assert!(
        second.stderr.contains("code asset reused"),
        "{}",
        second.stderr
    );
    eprintln!(
        "submit of 1,000 files ({program}): new {:.2} s, reused {:.2} s",
        new.as_secs_f64(),
        reused.as_secs_f64()
    );
}

#[test]
fn git_properties_of_the_code_folders_repository_reach_the_job() {
    let git_ok = std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !git_ok {
        eprintln!("git is not installed: skipped");
        return;
    }
    let emu = Emulator::start("50", None);
    let file = emu.write("job.yml", JOB);
    emu.write("src/train.py", SCRIPT);
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(emu.proj())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["-c", "user.email=t@e", "-c", "user.name=t", "add", "."]);
    git(&[
        "-c",
        "user.email=t@e",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "-m",
        "x",
    ]);
    git(&["remote", "add", "origin", "https://github.com/o/r.git"]);
    let r = emu.run(&["jobs", "create", "-f", arg(&file)]);
    r.expect(0);
    let props = &emu.job(r.stdout.trim())["properties"]["properties"];
    assert_eq!(
        props["mlflow.source.git.repoURL"],
        "https://github.com/o/r.git"
    );
    assert_eq!(props["mlflow.source.git.branch"], "main");
    assert_eq!(props["azureml.git.dirty"], "False");
    assert_eq!(
        props["mlflow.source.git.commit"].as_str().map(str::len),
        Some(40)
    );
    // The job's detail shows them in a section of their own.
    let show = emu.run(&["jobs", "show", r.stdout.trim()]);
    show.expect(0);
    let at = show
        .stdout
        .find("Source (git)")
        .unwrap_or_else(|| panic!("{}", show.stdout));
    let section = &show.stdout[at..];
    assert!(section.contains("https://github.com/o/r.git"), "{section}");
    assert!(section.contains("main"), "{section}");
    assert!(!section.contains("uncommitted changes"), "{section}");
    // A token in the URL: nothing of the repository is recorded, and the token is never shown.
    git(&[
        "remote",
        "set-url",
        "origin",
        "https://ghp_TOKEN123@github.com/o/r.git",
    ]);
    let r = emu.run(&["jobs", "create", "-f", arg(&file)]);
    r.expect(0);
    assert!(r.stderr.contains("carries a credential"), "{}", r.stderr);
    assert!(!r.stderr.contains("TOKEN123"), "{}", r.stderr);
    let job = emu.job(r.stdout.trim());
    assert!(
        job["properties"]["properties"]
            .get("mlflow.source.git.repoURL")
            .is_none()
    );
    assert!(!job.to_string().contains("TOKEN123"));
}

#[test]
fn environments_for_pickers_leave_anonymous_ones_out() {
    let emu = Emulator::start("50", None);
    let file = emu.write(
        "job.yml",
        "command: echo hi\nenvironment:\n  image: python:3.11-slim\ncompute: cpu-cluster\n",
    );
    emu.run(&["jobs", "create", "-f", arg(&file)]).expect(0);
    let cloud: amlc::azure::Cloud = emu.url.parse().unwrap();
    let ctx = amlc::azure::WorkspaceContext::new(cloud, SUB, "demo-rg", "demo-ws");
    let pipeline = Pipeline::new(
        Some(Arc::new(StaticBearer::new(emu.token.clone()))),
        PipelineOptions::default(),
    )
    .unwrap();
    let client = amlc::azure::AmlClient::new(ctx, pipeline);
    let envs = block(client.list_environments()).unwrap();
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"sklearn-env"), "{envs:?}");
    assert!(!names.contains(&"CliV2AnonymousEnvironment"), "{envs:?}");
    let sk = envs.iter().find(|e| e.name == "sklearn-env").unwrap();
    assert_eq!(sk.latest_version.as_deref(), Some("2"), "{envs:?}");
    // An unknown environment's @latest is a clear error, nothing sent after it.
    let err = block(client.latest_environment_version("nope")).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn compute_local_dry_run_sends_nothing_and_has_no_compute() {
    let emu = Emulator::start("50", None);
    emu.write("src/train.py", SCRIPT);
    let file = emu.write(
        "job.yml",
        "command: python3 train.py\ncode: src\nenvironment: azureml:sklearn-env:1\ncompute: local\nname: loc1\n",
    );
    let r = emu.run(&["jobs", "create", "-f", arg(&file), "--dry-run"]);
    r.expect(0);
    assert!(
        r.json()["properties"].get("computeId").is_none(),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("on this machine"), "{}", r.stderr);
    assert!(emu.blob_prefixes().is_empty());
}

#[test]
fn a_build_context_is_uploaded_to_the_datastore_and_put_as_the_anonymous_version() {
    let emu = Emulator::start("50", None);
    emu.write("ctx/Dockerfile", "FROM python:3.11-slim\n");
    emu.write("ctx/requirements.txt", "numpy\n");
    let file = emu.write(
        "job.yml",
        "command: echo built\nenvironment:\n  build:\n    path: ctx\ncompute: cpu-cluster\n",
    );
    let r = emu.run(&["jobs", "create", "-f", arg(&file), "-o", "json"]);
    r.expect(0);
    assert!(r.stderr.contains("user-managed"), "{}", r.stderr);
    let hash = amlc::submit::snapshot::object_hash(&emu.proj().join("ctx")).unwrap();
    let version = amlc::submit::flow::build_version(&hash, None);
    assert_eq!(
        r.json()["properties"]["environmentId"],
        format!("/{WS}/environments/CliV2AnonymousEnvironment/versions/{version}")
    );
    assert!(
        emu.blob_prefixes().contains(&format!("LocalUpload/{hash}")),
        "{:?}",
        emu.blob_prefixes()
    );
    let (status, body) = emu.get(&format!(
        "/{WS}/environments/CliV2AnonymousEnvironment/versions/{version}?api-version=2025-12-01"
    ));
    assert_eq!(status, 200, "{body}");
    let env: Value = serde_json::from_str(&body).unwrap();
    let context = env["properties"]["build"]["contextUri"].as_str().unwrap();
    assert!(
        context.ends_with(&format!("/LocalUpload/{hash}/ctx/")),
        "{context}"
    );
    assert!(!context.contains("sig="), "{context}");
}
