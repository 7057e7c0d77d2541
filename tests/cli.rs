//! The real `amlc` binary: headless commands against a scripted ARM server on loopback, against
//! `amlc emulator` (including a SIGKILL and restart), and through the embedded default.

mod common;

use common::{ScriptServer, reply};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const WS: &str =
    "/subscriptions/S/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/WS";

fn amlc(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amlc"));
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

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn compute(name: &str, kind: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{WS}/computes/{name}","name":"{name}","type":"Microsoft.MachineLearningServices/workspaces/computes","location":"eastus","properties":{{"computeType":"{kind}","provisioningState":"Succeeded"{extra}}}}}"#
    )
}

fn scripted_list(server: &ScriptServer) -> Vec<serde_json::Value> {
    let items = [
        compute(
            "cpu-cluster",
            "AmlCompute",
            r#","properties":{"vmSize":"STANDARD_D2_V2","allocationState":"Steady","scaleSettings":{"maxNodeCount":4,"minNodeCount":0}}"#,
        ),
        compute(
            "alice-ci",
            "ComputeInstance",
            r#","properties":{"vmSize":"STANDARD_DS3_V2","state":"Hibernating"}"#,
        ),
        compute("qpu", "QuantumCompute", r#","properties":{"qubits":64}"#),
    ];
    let next = format!("{{base}}{}/computes?$skip=2", &WS[1..]);
    let first = format!(
        r#"{{"value":[{},{}],"nextLink":"{next}"}}"#,
        items[0], items[1]
    );
    server.on("GET", &format!("{WS}/computes"), vec![reply(200, &first)]);
    // The second page: same path, answered after the first.
    server.on(
        "GET",
        &format!("{WS}/computes"),
        vec![reply(200, &format!(r#"{{"value":[{}]}}"#, items[2]))],
    );
    items
        .iter()
        .map(|i| serde_json::from_str(i).unwrap())
        .collect()
}

fn point_at(cmd: &mut Command, server: &ScriptServer) {
    cmd.args([
        "--endpoint",
        &server.base,
        "--auth",
        "token",
        "--subscription",
        "S",
        "-g",
        "RG",
        "-w",
        "WS",
    ])
    .env("AMLC_TOKEN", "t0ken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn computes_list_prints_one_row_per_compute_even_unknown_ones() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    scripted_list(&server);
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("NAME")
            && lines[0].contains("TYPE")
            && lines[0].contains("STATE")
            && lines[0].contains("SIZE")
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row {name}: {stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("alice-ci"),
        [
            "alice-ci",
            "ComputeInstance",
            "Hibernating",
            "STANDARD_DS3_V2"
        ]
    );
    assert_eq!(
        row("cpu-cluster"),
        ["cpu-cluster", "AmlCompute", "Steady", "STANDARD_D2_V2"]
    );
    assert_eq!(row("qpu"), ["qpu", "QuantumCompute", "Succeeded", "-"]);
    let r = &server.requests()[0];
    assert_eq!(r.header("authorization"), Some("Bearer t0ken"));
    assert!(!text(&out.stderr).contains("t0ken"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn computes_list_json_prints_the_resources_as_received() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    let sent = scripted_list(&server);
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "-o", "json"]);
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let got: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got, sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_workspace_is_one_clear_line() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        &format!("{WS}/computes"),
        vec![reply(
            404,
            r#"{"error":{"code":"ResourceNotFound","message":"The Resource 'WS' was not found."}}"#,
        )],
    );
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("amlc: 404 Not Found: ResourceNotFound"),
        "cause first: {stderr}"
    );
    assert!(stderr.contains("ResourceNotFound"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_fails_when_the_workspace_is_unreachable() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        WS,
        vec![reply(
            403,
            r#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#,
        )],
    );
    let mut cmd = amlc(home.path());
    cmd.arg("doctor");
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("flag --workspace"), "{stdout}");
    assert!(stdout.contains("AuthorizationFailed"), "{stdout}");
    assert!(stdout.contains("api-version 2025-12-01"), "{stdout}");
}

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(home: &Path, data: &Path) -> Emulator {
    start_emulator_with(home, data, &[])
}

fn start_emulator_with(home: &Path, data: &Path, extra: &[&str]) -> Emulator {
    let mut cmd = amlc(home);
    cmd.args([
        "emulator",
        "--demo",
        "--port",
        "0",
        "--speed",
        "20",
        "--data-dir",
    ])
    .arg(data)
    .args(extra)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("amlc emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Emulator { child, url }
}

const DEMO_COMPUTES: usize = 12;

/// `amlc computes list` against the demo workspace of `emulator`, with `token`.
fn list_command(home: &Path, emulator: &Emulator, token: &str) -> Command {
    let mut cmd = amlc(home);
    cmd.args([
        "computes",
        "list",
        "--endpoint",
        &emulator.url,
        "--auth",
        "token",
    ])
    .args([
        "--subscription",
        "00000000-0000-0000-0000-000000000000",
        "-g",
        "demo-rg",
        "-w",
        "demo-ws",
    ])
    .env("AMLC_TOKEN", token);
    cmd
}

async fn list_against(home: &Path, emulator: &Emulator, data: &Path, extra: &[&str]) -> Output {
    let token = std::fs::read_to_string(data.join("token")).unwrap();
    let mut cmd = list_command(home, emulator, token.trim());
    cmd.args(extra);
    run(cmd).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_lists_the_demo_and_survives_sigkill() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let emulator = start_emulator(home.path(), &data);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = list_against(home.path(), &emulator, &data, &["-o", "json"]).await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let before: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(before.len() >= DEMO_COMPUTES, "{} computes", before.len());
    let kinds: std::collections::BTreeSet<&str> = before
        .iter()
        .filter_map(|c| c.pointer("/properties/computeType")?.as_str())
        .collect();
    for kind in [
        "ComputeInstance",
        "AmlCompute",
        "AKS",
        "Kubernetes",
        "VirtualMachine",
        "Databricks",
        "HDInsight",
        "SynapseSpark",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    // Without the token: refused.
    let cmd = list_command(home.path(), &emulator, "wrong");
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));

    // SIGKILL, restart on the same data dir: nothing lost.
    let mut emulator = emulator;
    emulator.child.kill().unwrap();
    emulator.child.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let emulator = start_emulator(home.path(), &data);
    let out = list_against(home.path(), &emulator, &data, &["-o", "json"]).await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let after: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names = |v: &[serde_json::Value]| -> Vec<String> {
        let mut n: Vec<String> = v
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("").to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&before), names(&after));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_workspace_configured_runs_the_embedded_emulator() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let first = stdout.lines().next().unwrap_or("");
    assert!(
        first.contains("emulator") && first.contains("not Azure"),
        "{stdout}"
    );
    let rows = stdout.lines().skip(2).count();
    assert!(rows >= DEMO_COMPUTES, "{stdout}");
    for kind in [
        "ComputeInstance",
        "AmlCompute",
        "AKS",
        "Kubernetes",
        "VirtualMachine",
        "Databricks",
        "HDInsight",
        "SynapseSpark",
    ] {
        assert!(stdout.contains(kind), "no {kind}: {stdout}");
    }
    // The doctor says where the target came from.
    let mut cmd = amlc(home.path());
    cmd.arg("doctor");
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("no workspace configured"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_amlc_reuses_the_running_embedded_emulator() {
    let home = tempfile::tempdir().unwrap();
    // The default data dir of the embedded emulator, held by a standalone one.
    let data = home.path().join(".local/share/amlc/emulator");
    let emulator = start_emulator(home.path(), &data);
    let token_before = std::fs::read_to_string(data.join("token")).unwrap();
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        stdout.lines().next().unwrap_or("").contains(&emulator.url),
        "{stdout}"
    );
    assert!(stdout.lines().count() >= DEMO_COMPUTES + 2, "{stdout}");
    // The running emulator kept its token and still answers.
    assert_eq!(
        std::fs::read_to_string(data.join("token")).unwrap(),
        token_before
    );
    let out = list_against(home.path(), &emulator, &data, &[]).await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_emulator_is_trusted_only_with_its_certificate() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("tls-emu");
    let emulator = start_emulator_with(home.path(), &data, &["--tls"]);
    assert!(emulator.url.starts_with("https://"), "{}", emulator.url);
    let cert = data.join("tls").join("cert.pem");

    let out = list_against(home.path(), &emulator, &data, &[]).await;
    assert!(
        !out.status.success(),
        "an untrusted self-signed certificate must be refused"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("certificate is not trusted") && stderr.lines().count() == 1,
        "{stderr}"
    );

    let out = list_against(
        home.path(),
        &emulator,
        &data,
        &["--ca-cert", cert.to_str().unwrap()],
    )
    .await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).lines().count() > DEMO_COMPUTES,
        "{}",
        text(&out.stdout)
    );

    // SSL_CERT_FILE works as well.
    let token = std::fs::read_to_string(data.join("token")).unwrap();
    let mut cmd = list_command(home.path(), &emulator, token.trim());
    cmd.env("SSL_CERT_FILE", &cert);
    let out = run(cmd).await;
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
}
