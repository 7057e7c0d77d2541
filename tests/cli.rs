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
    // One line with the cause first, then one line saying what to do.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("amlc: 404 Not Found: ResourceNotFound"),
        "cause first: {stderr}"
    );
    assert!(
        lines[1].starts_with(
            "  what to do: not found: check the subscription, resource group and workspace names"
        ),
        "{stderr}"
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
    assert!(stdout.contains("no role on this workspace"), "{stdout}");
    assert!(
        !stdout.contains("az login"),
        "403 is not a login problem: {stdout}"
    );
    assert!(stdout.contains("Case: complete Azure context"), "{stdout}");
}

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    /// SIGTERM first, so the emulator stops its job processes; SIGKILL if it has not ended
    /// within five seconds.
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) with a pid this test spawned and has not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
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
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    // The note that this is the emulator goes to stderr; stdout carries only the table.
    assert!(
        stderr.contains("emulator") && stderr.contains("not Azure"),
        "{stderr}"
    );
    assert!(!stdout.contains("emulator"), "{stdout}");
    assert!(stdout.starts_with("NAME"), "{stdout}");
    let rows = stdout.lines().skip(1).count();
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
    assert!(
        stdout.contains("Case: built-in emulator")
            && stdout.contains("no Azure context is configured"),
        "{stdout}"
    );
    assert!(
        stdout.contains("All checks passed against the built-in emulator (not Azure)."),
        "{stdout}"
    );
    // --emulator over a configured workspace: the doctor says so.
    let mut cmd = amlc(home.path());
    cmd.args([
        "doctor",
        "--emulator",
        "--subscription",
        "S",
        "-g",
        "RG",
        "-w",
        "WS",
    ]);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("--emulator was given"), "{stdout}");
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
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(stderr.contains(&emulator.url), "{stderr}");
    assert!(stdout.lines().count() > DEMO_COMPUTES, "{stdout}");
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

// ------------------------------------------------------------------ context cases

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_explicit_context_fails_naming_what_is_missing_and_sends_nothing() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    // The reported command: subscription and group, no workspace.
    let context = [
        "--subscription",
        "11111111-1111-1111-1111-111111111111",
        "-g",
        "prod-rg",
        "--endpoint",
        server.base.as_str(),
        "--auth",
        "token",
    ];
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "-o", "json"])
        .args(context)
        .env("AMLC_TOKEN", "t0ken");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(stderr.contains("incomplete Azure context"), "{stderr}");
    assert!(stderr.contains("workspace: -w/--workspace"), "{stderr}");
    assert!(stderr.contains("AZUREML_WORKSPACE_NAME"), "{stderr}");
    assert!(
        stderr.contains("az configure --defaults workspace="),
        "{stderr}"
    );
    assert!(!stderr.contains("resource group: "), "{stderr}");

    // From the environment, two values are missing and both are named.
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "--endpoint", server.base.as_str()])
        .env("AZUREML_WORKSPACE_NAME", "ws-env");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("subscription: --subscription"), "{stderr}");
    assert!(
        stderr.contains("resource group: -g/--resource-group"),
        "{stderr}"
    );
    assert!(stderr.contains("env AZUREML_WORKSPACE_NAME"), "{stderr}");

    // The doctor says which case it is and never that all is well.
    let mut cmd = amlc(home.path());
    cmd.arg("doctor").args(context).env("AMLC_TOKEN", "t0ken");
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Case: incomplete Azure context"),
        "{stdout}"
    );
    assert!(stdout.contains("missing:"), "{stdout}");
    assert!(!stdout.contains("All checks passed"), "{stdout}");
    assert!(!stdout.contains("Case: built-in emulator"), "{stdout}");
    assert!(!stdout.contains("demo-ws"), "{stdout}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// Only a way to sign in (an auth method, a named profile holding only `auth`, a static token)
/// and no workspace: the user meant Azure, so this is an error naming every missing value, not
/// the demo workspace; nothing is printed on stdout and no emulator is started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auth_method_without_a_workspace_fails_instead_of_running_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config/amlc");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[profiles.prod]\nauth = \"cli\"\n",
    )
    .unwrap();
    let secret = "s3cret-static-token";
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (&["--auth", "cli"], &[], "auth cli (flag --auth)"),
        (&[], &[("AMLC_AUTH", "cli")], "auth cli (env AMLC_AUTH)"),
        (&["--profile", "prod"], &[], "profile prod (flag --profile)"),
        (
            &[],
            &[("AMLC_TOKEN", secret)],
            "static token (env AMLC_TOKEN)",
        ),
    ];
    for (args, env, given) in cases {
        let mut cmd = amlc(home.path());
        cmd.args(["computes", "list"])
            .args(args)
            .envs(env.iter().copied());
        let out = run(cmd).await;
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} {env:?}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{args:?} {env:?}: {}",
            text(&out.stdout)
        );
        assert!(stderr.contains("incomplete Azure context"), "{stderr}");
        assert!(stderr.contains(given), "no {given:?} in {stderr}");
        for missing in [
            "subscription: --subscription",
            "resource group: -g/--resource-group",
            "workspace: -w/--workspace",
        ] {
            assert!(stderr.contains(missing), "no {missing:?} in {stderr}");
        }
        assert!(!stderr.contains(secret), "the token leaked: {stderr}");
        assert!(!stderr.contains("demo-ws"), "{stderr}");
    }
    // Nothing started the built-in emulator (it keeps its data under XDG_DATA_HOME).
    let data = home.path().join(".local/share/amlc/emulator");
    assert!(
        !data.exists(),
        "an emulator was started in {}",
        data.display()
    );
    // --emulator still wins over an auth method.
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "--emulator", "--auth", "cli"]);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("NAME"), "{stdout}");
    // ...and its data dir is where the check above looked.
    assert!(data.exists(), "no emulator data in {}", data.display());
}

/// A HOME whose Azure CLI is logged in to `subscription` (its default), with no defaults.
fn az_login(home: &Path, subscription: &str, config: &str) {
    let dir = home.join(".azure");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(
        dir.join("azureProfile.json"),
        format!(
            "\u{feff}{{\"subscriptions\":[{{\"id\":\"{subscription}\",\"name\":\"main\",\"isDefault\":true,\"environmentName\":\"AzureCloud\",\"state\":\"Enabled\"}}]}}"
        ),
    )
    .unwrap();
}

const DEMO_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_only_an_azure_cli_login_headless_commands_list_the_workspaces_to_pick() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let emulator = start_emulator(home.path(), &data);
    let token = std::fs::read_to_string(data.join("token")).unwrap();
    az_login(home.path(), DEMO_SUBSCRIPTION, "[core]\noutput = json\n");
    let ambient = |cmd: &mut Command, token: &str| {
        cmd.args(["--endpoint", &emulator.url, "--auth", "token"])
            .env("AMLC_TOKEN", token);
    };

    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    ambient(&mut cmd, token.trim());
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(stderr.contains("no workspace chosen"), "{stderr}");
    assert!(stderr.contains(DEMO_SUBSCRIPTION), "{stderr}");
    let row = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("demo-ws"))
        .unwrap_or_else(|| panic!("no demo-ws row: {stderr}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["demo-ws", "demo-rg", "eastus"]
    );
    assert!(stderr.contains("-g RESOURCE_GROUP -w NAME"), "{stderr}");
    assert!(
        stderr.contains("az configure --defaults group=RESOURCE_GROUP workspace=NAME"),
        "{stderr}"
    );

    // Listing refused: say why.
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    ambient(&mut cmd, "expired");
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("Could not list the workspaces"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(stderr.contains("az login"), "{stderr}");

    // The doctor names the case and the choices, and fails.
    let mut cmd = amlc(home.path());
    cmd.arg("doctor");
    ambient(&mut cmd, token.trim());
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("Case: ambient login only"), "{stdout}");
    assert!(stdout.contains("demo-rg"), "{stdout}");
    assert!(stdout.contains("none chosen"), "{stdout}");
    assert!(!stdout.contains("All checks passed"), "{stdout}");

    // A default group from `az configure` narrows the list; one of another group lists none.
    az_login(
        home.path(),
        DEMO_SUBSCRIPTION,
        "[defaults]\ngroup = other-rg\n",
    );
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    ambient(&mut cmd, token.trim());
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("There is no Azure ML workspace in resource group other-rg"),
        "{stderr}"
    );

    // Choosing with the az CLI defaults completes the context.
    az_login(
        home.path(),
        DEMO_SUBSCRIPTION,
        "[defaults]\ngroup = demo-rg\nworkspace = demo-ws\n",
    );
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    ambient(&mut cmd, token.trim());
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).lines().count() > DEMO_COMPUTES);
}

// ------------------------------------------------------------------ headless truth

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_takes_tabs_kinds_and_aliases_and_refuses_anything_else() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let emulator = start_emulator(home.path(), &data);
    let types_of = |out: &Output| -> std::collections::BTreeSet<String> {
        assert!(out.status.success(), "{}", text(&out.stderr));
        let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        items
            .iter()
            .map(|c| c["properties"]["computeType"].as_str().unwrap().to_string())
            .collect()
    };
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    for (kind, want) in [
        ("kubernetes", set(&["AKS", "Kubernetes"])),
        ("K8S", set(&["AKS", "Kubernetes"])),
        ("aks", set(&["AKS"])),
        ("clusters", set(&["AmlCompute"])),
        ("AmlCompute", set(&["AmlCompute"])),
        ("instance", set(&["ComputeInstance"])),
        ("ci", set(&["ComputeInstance"])),
        ("hdinsight", set(&["HDInsight"])),
        ("vm", set(&["VirtualMachine"])),
    ] {
        let out = list_against(
            home.path(),
            &emulator,
            &data,
            &["-o", "json", "--type", kind],
        )
        .await;
        assert_eq!(types_of(&out), want, "--type {kind}");
    }
    let attached = types_of(
        &list_against(
            home.path(),
            &emulator,
            &data,
            &["-o", "json", "--type", "attached"],
        )
        .await,
    );
    assert!(
        attached.contains("Databricks") && attached.contains("SynapseSpark"),
        "{attached:?}"
    );
    for managed in ["ComputeInstance", "AmlCompute", "AKS", "Kubernetes"] {
        assert!(!attached.contains(managed), "{attached:?}");
    }
    // The table agrees with the JSON.
    let out = list_against(home.path(), &emulator, &data, &["--type", "kubernetes"]).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("AKS") && stdout.contains("Kubernetes"),
        "{stdout}"
    );

    let out = list_against(home.path(), &emulator, &data, &["--type", "bogus"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    for listed in [
        "instances",
        "clusters",
        "kubernetes",
        "attached",
        "ComputeInstance",
        "DataFactory",
    ] {
        assert!(stderr.contains(listed), "no {listed}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_prints_the_sections_of_the_tui_detail() {
    use amlc::app::kinds::{self, DetailRow, Item, compute_tab};
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("emu");
    let emulator = start_emulator(home.path(), &data);
    let token = std::fs::read_to_string(data.join("token")).unwrap();
    let out = list_against(home.path(), &emulator, &data, &["-o", "json"]).await;
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut checked = 0;
    for raw in &all {
        let name = raw["name"].as_str().unwrap();
        let mut cmd = list_command(home.path(), &emulator, token.trim());
        // `computes list ...` → `computes show NAME ...`
        let mut args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args[1] = "show".into();
        args.insert(2, name.into());
        cmd = amlc(home.path());
        cmd.args(&args).env("AMLC_TOKEN", token.trim());
        let out = run(cmd).await;
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(!stdout.contains('\u{1b}'), "{stdout}");
        let compute: amlc::azure::models::ComputeResource =
            serde_json::from_value(raw.clone()).unwrap();
        let kind = kinds::kind(compute_tab(compute.compute_type()));
        let ctx = kinds::DetailCtx {
            now_ms: 0,
            nodes: None,
        };
        let lines: Vec<&str> = stdout.lines().collect();
        for section in kind.detail(Item::Compute(&compute), &ctx) {
            // The node list's title carries its count; the rest is the same text.
            let title = section.title.split(" (").next().unwrap().to_string();
            assert!(
                lines.iter().any(|l| l.starts_with(&title)),
                "{name}: no section {title:?} in\n{stdout}"
            );
            for row in &section.rows {
                if let DetailRow::Field { key, value, .. } = row
                    && !value.contains("ago")
                    && !value.contains('\n')
                {
                    assert!(
                        lines
                            .iter()
                            .any(|l| l.starts_with(&format!("  {key} "))
                                && l.ends_with(value.as_str())),
                        "{name}: no {key}: {value} in\n{stdout}"
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= DEMO_COMPUTES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly_with_success() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    scripted_list(&server);
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    point_at(&mut cmd, &server);
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        // The reader goes away before anything is written (`| head -0`).
        drop(child.stdout.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(server.count("GET", &format!("{WS}/computes")), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_advice_fits_the_status_and_a_static_token_has_no_made_up_expiry() {
    let home = tempfile::tempdir().unwrap();
    for (status, code, advice, not) in [
        (401, "InvalidAuthenticationToken", "az login", "no role"),
        (
            403,
            "AuthorizationFailed",
            "no role on this workspace",
            "az login",
        ),
        (
            404,
            "ResourceNotFound",
            "check the subscription, resource group and workspace names",
            "az login",
        ),
    ] {
        let server = ScriptServer::start().await;
        server.on(
            "GET",
            WS,
            vec![reply(
                status,
                &format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#),
            )],
        );
        let mut cmd = amlc(home.path());
        cmd.arg("doctor");
        point_at(&mut cmd, &server);
        let out = run(cmd).await;
        let stdout = text(&out.stdout);
        assert!(!out.status.success(), "{stdout}");
        let arm = stdout
            .lines()
            .find(|l| l.contains("] ARM"))
            .unwrap_or_else(|| panic!("no ARM check: {stdout}"));
        assert!(
            arm.contains(code) && arm.contains(advice),
            "{status}: {arm}"
        );
        assert!(!arm.contains(not), "{status}: {arm}");
        // AMLC_TOKEN is not a JWT: its expiry is not known, and not invented.
        let token = stdout.lines().find(|l| l.contains("] token")).unwrap();
        assert!(token.contains("expires unknown"), "{token}");
    }
    // A refused connection: network advice.
    let mut cmd = amlc(home.path());
    cmd.args([
        "doctor",
        "--endpoint",
        "http://127.0.0.1:1/",
        "--auth",
        "token",
    ])
    .args(["--subscription", "S", "-g", "RG", "-w", "WS"])
    .env("AMLC_TOKEN", "t0ken");
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("could not be reached"), "{stdout}");
}

/// `computes show` keeps a multi-line description's lines (it printed `line1line2`), expands
/// tabs, and shows an escape sequence as a marker instead of sending it to the terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_keeps_the_lines_of_a_description_and_never_prints_controls() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    let body = compute(
        "vm-multi",
        "VirtualMachine",
        r#","description":"line1\nline2\tafter-tab\n\u001b[31mred","properties":{"address":"10.0.0.4"}"#,
    );
    server.on(
        "GET",
        &format!("{WS}/computes/vm-multi"),
        vec![reply(200, &body)],
    );
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "show", "vm-multi"]);
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(!stdout.contains('\u{1b}'), "no raw ESC: {stdout:?}");
    assert!(!stdout.contains('\t'), "tabs expanded: {stdout:?}");
    assert!(!stdout.contains("line1line2"), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.trim_end().ends_with("line1"))
        .unwrap_or_else(|| panic!("line1 ends a line: {stdout}"));
    let second = lines[first + 1];
    assert!(
        second.trim_start().starts_with("line2") && second.contains("line2   after-tab"),
        "line2 on its own line, the tab to the next stop: {stdout}"
    );
    assert!(lines[first + 2].contains("^[[31mred"), "{stdout}");
}

/// The headless table pads by display width (a wide name keeps the next columns aligned) and
/// shows a control character in a cell as a marker instead of deleting it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_table_pads_by_display_width_and_shows_controls() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptServer::start().await;
    let items = [
        compute(
            "gpu-集群",
            "AmlCompute",
            r#","properties":{"vmSize":"STANDARD_NC6","allocationState":"Steady"}"#,
        ),
        compute(
            "cpu-cluster",
            "AmlCompute",
            r#","properties":{"vmSize":"A\u001bB","allocationState":"Steady"}"#,
        ),
    ];
    server.on(
        "GET",
        &format!("{WS}/computes"),
        vec![reply(
            200,
            &format!(r#"{{"value":[{},{}]}}"#, items[0], items[1]),
        )],
    );
    let mut cmd = amlc(home.path());
    cmd.args(["computes", "list"]);
    point_at(&mut cmd, &server);
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("A^[B"), "the ESC is shown: {stdout}");
    // TYPE starts at the same screen column on every line: `gpu-集群` is 8 columns wide.
    let type_column = |line: &str| {
        let at = line.find("AmlCompute").or_else(|| line.find("TYPE"))?;
        Some(amlc::app::text::width(&line[..at]))
    };
    let columns: Vec<Option<usize>> = stdout.lines().map(type_column).collect();
    assert_eq!(columns.len(), 3, "{stdout}");
    assert!(
        columns.iter().all(|c| c.is_some() && *c == columns[0]),
        "{columns:?}\n{stdout}"
    );
}
