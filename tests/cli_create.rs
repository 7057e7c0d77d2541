//! The real `amlc` binary's `computes create|attach [-f FILE.yml]` against `amlc emulator
//! --demo` on loopback, sped up: az ml compute YAML files written to a temporary folder, flags
//! and `--set` overrides, `--dry-run`, `--no-wait`, and the refusals made before anything is
//! sent (unknown key, a bad name, over quota, create/attach mixed up, `--read-only`). What a
//! create leaves is checked by a following `computes show|list -o json`, never by the
//! command's own words; what a refusal leaves (nothing) by a `show` that answers 404.
//! Each test has its own emulator, so they run in parallel.
//!
//! Exit codes checked: 0 done, 1 refused by `--read-only`, 2 the file, a flag or a rule is
//! wrong (nothing sent).

mod cli_common;

use cli_common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";

const PASSWORD: &str = "Sup3r-Secret-pw!";

impl Emulator {
    /// `computes show NAME -o json`, or `None` when it does not exist (404).
    fn show(&self, name: &str) -> Option<Value> {
        let r = self.run(&["computes", "show", name, "-o", "json"]);
        if r.code == 0 {
            Some(r.json())
        } else {
            assert!(r.stderr.contains("404"), "{}", r.stderr);
            None
        }
    }

    /// Writes `text` under the emulator's home, in `conf/` (not the working directory, so
    /// that paths relative to the file are told from paths relative to the directory).
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join("conf").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn props(c: &Value) -> &Value {
    &c["properties"]["properties"]
}

const CLUSTER: &str = "\
$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: yaml-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 1
max_instances: 3
idle_time_before_scale_down: 300
tier: dedicated
ssh_public_access_enabled: true
ssh_settings:
  admin_username: azureuser
  ssh_key_file: keys/id.pub
identity:
  type: system_assigned
tags:
  team: vision
  cost-center: 42
";

#[test]
fn create_from_a_file_reaches_succeeded_and_is_listed_with_its_values() {
    let e = Emulator::start("10", None);
    let file = e.file("cluster.yml", CLUSTER);
    // The key file is read relative to the YAML file's folder.
    e.file("keys/id.pub", &format!("{KEY}\n"));
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(0);
    assert!(r.stdout.is_empty(), "data only with -o json: {}", r.stdout);
    assert!(
        r.stderr.contains("done: create yaml-cluster"),
        "{}",
        r.stderr
    );
    let c = e.show("yaml-cluster").expect("created");
    assert_eq!(props(&c)["vmSize"], "Standard_DS3_v2");
    assert_eq!(c["properties"]["provisioningState"], "Succeeded");
    let scale = &props(&c)["scaleSettings"];
    assert_eq!(
        (
            scale["minNodeCount"].as_i64(),
            scale["maxNodeCount"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(scale["nodeIdleTimeBeforeScaleDown"], "PT5M");
    assert_eq!(c["tags"]["team"], "vision");
    assert_eq!(c["tags"]["cost-center"], "42");
    // Listed with the YAML's size.
    let list = e.run(&["computes", "list", "--type", "clusters", "-o", "json"]);
    list.expect(0);
    let listed = list.json();
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "yaml-cluster")
        .expect("listed");
    assert_eq!(props(row)["vmSize"], "Standard_DS3_v2");
    let table = e.run(&["computes", "list"]);
    let line = table
        .stdout
        .lines()
        .find(|l| l.starts_with("yaml-cluster"))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(line.contains("Standard_DS3_v2"), "{line}");

    // The same name again: the uniqueness rule refuses it before sending.
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    assert!(r.stderr.contains("cluster.yml:2:1: name: "), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
}

#[test]
fn set_overrides_the_file_and_flags_alone_create_too() {
    let e = Emulator::start("10", None);
    let file = e.file("cluster.yml", CLUSTER);
    e.file("keys/id.pub", KEY);
    let r = e.run(&[
        "computes",
        "create",
        "-f",
        arg(&file),
        "--name",
        "renamed",
        "--set",
        "max_instances=2",
        "tags.env=test",
        "--set",
        "min_instances=0",
        "-o",
        "json",
    ]);
    r.expect(0);
    // -o json prints the compute as created.
    let c = r.json();
    assert_eq!(c["name"], "renamed");
    assert_eq!(props(&c)["scaleSettings"]["maxNodeCount"], 2);
    assert_eq!(props(&c)["scaleSettings"]["minNodeCount"], 0);
    let c = e.show("renamed").unwrap();
    assert_eq!(c["tags"]["env"], "test");
    assert_eq!(c["tags"]["team"], "vision");
    assert!(e.show("yaml-cluster").is_none());

    // No file: --name and --type with the common flags, as `az ml compute create`.
    let r = e.run(&[
        "computes",
        "create",
        "-n",
        "flagged",
        "--type",
        "amlcompute",
        "--size",
        "Standard_DS3_v2",
        "--min-instances",
        "0",
        "--max-instances",
        "2",
        "--idle-time-before-scale-down",
        "600",
        "--tier",
        "low_priority",
        "--description",
        "from flags",
    ]);
    r.expect(0);
    let c = e.show("flagged").unwrap();
    assert_eq!(props(&c)["vmPriority"], "LowPriority");
    assert_eq!(props(&c)["scaleSettings"]["maxNodeCount"], 2);
    assert_eq!(
        props(&c)["scaleSettings"]["nodeIdleTimeBeforeScaleDown"],
        "PT10M"
    );
    assert_eq!(c["properties"]["description"], "from flags");

    // Without a file, both --name and --type are needed: usage, exit 2.
    let r = e.run(&["computes", "create", "-n", "x1x"]);
    r.expect(2);
    assert!(
        r.stderr.contains("needs -f FILE.yml, or --name and --type"),
        "{}",
        r.stderr
    );
    // A flag's problem names the flag.
    let r = e.run(&[
        "computes",
        "create",
        "-n",
        "flag2",
        "-t",
        "amlcompute",
        "--max-instances",
        "0",
    ]);
    r.expect(2);
    assert!(
        r.stderr
            .contains("--max-instances: max_instances: must be between 1 and 10000 (it is 0)"),
        "{}",
        r.stderr
    );
    assert!(e.show("flag2").is_none());
}

#[test]
fn dry_run_prints_the_masked_body_and_sends_nothing() {
    let e = Emulator::start("10", None);
    let file = e.file(
        "pw.yml",
        &format!(
            "name: dry-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: 2\n\
             ssh_public_access_enabled: true\nssh_settings:\n  admin_username: me\n  \
             admin_password: {PASSWORD}\ntags:\n  a: b\n"
        ),
    );
    let r = e.run(&["computes", "create", "-f", arg(&file), "--dry-run"]);
    r.expect(0);
    let body: Value = r.json();
    let expected = json!({
        "tags": {"a": "b"},
        "properties": {
            "computeType": "AmlCompute",
            "properties": {
                "vmSize": "Standard_DS3_v2",
                "vmPriority": "Dedicated",
                "isolatedNetwork": false,
                "scaleSettings": {
                    "maxNodeCount": 2,
                    "minNodeCount": 0,
                    "nodeIdleTimeBeforeScaleDown": "PT2M"
                },
                "userAccountCredentials": {"adminUserName": "me", "adminUserPassword": "***"},
                "remoteLoginPortPublicAccess": "Enabled",
                "enableNodePublicIp": true
            }
        }
    });
    assert_eq!(body, expected, "{}", r.stdout);
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    }
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    assert!(e.show("dry-cluster").is_none(), "a dry run sends nothing");
    // --read-only allows a dry run (it sends nothing) and refuses the real one.
    e.run(&[
        "computes",
        "create",
        "-f",
        arg(&file),
        "--dry-run",
        "--read-only",
    ])
    .expect(0);
    let r = e.run(&["computes", "create", "-f", arg(&file), "--read-only"]);
    r.expect(1);
    assert!(
        r.stderr
            .contains("--read-only: refusing to create dry-cluster"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(PASSWORD));
    assert!(e.show("dry-cluster").is_none());
}

#[test]
fn unknown_keys_and_bad_values_are_refused_with_file_line_and_rule() {
    let e = Emulator::start("10", None);
    let file = e.file(
        "bad.yml",
        "name: 1cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_nodes: 4\nssh_settings:\n  admin_user: me\n",
    );
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    let shown = format!("{}", file.display());
    let lines: Vec<&str> = r.stderr.lines().collect();
    // Every problem, each on its line, in file order.
    let at = |n: usize| {
        lines
            .iter()
            .position(|l| l.starts_with(&format!("{shown}:{n}:")))
            .unwrap_or_else(|| panic!("no line {n}: {}", r.stderr))
    };
    assert!(at(1) < at(4) && at(4) < at(6), "{}", r.stderr);
    assert!(
        lines[at(1)].starts_with(&format!("{shown}:1:1: name: ")),
        "{}",
        r.stderr
    );
    assert!(
        lines[at(1)].contains("letter"),
        "the name rule: {}",
        r.stderr
    );
    assert!(
        lines[at(4)].contains("max_nodes: unknown key; the keys known here are: "),
        "{}",
        r.stderr
    );
    assert!(
        lines[at(6)].starts_with(&format!(
            "{shown}:6:3: ssh_settings.admin_user: unknown key"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("3 problems in"), "{}", r.stderr);
    assert!(e.show("1cluster").is_none());

    // A bad name alone: the rule, nothing sent.
    let file = e.file("name.yml", "name: ab\ntype: amlcompute\n");
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    assert!(r.stderr.contains("name.yml:1:1: name: "), "{}", r.stderr);
    assert!(r.stderr.contains("3 to 24 characters"), "{}", r.stderr);
    assert!(e.show("ab").is_none());

    // Malformed YAML: the parser's message with its place, no panic.
    let file = e.file("broken.yml", "name: ok-name\ntype: amlcompute\ntags: [a\n");
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    assert!(r.stderr.contains("broken.yml:4:"), "{}", r.stderr);
    assert!(r.stderr.contains("not valid YAML"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    // A file over 1 MiB is refused before it is parsed.
    let file = e.file("big.yml", &format!("# {}\n", "x".repeat(2 * 1024 * 1024)));
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    assert!(
        r.stderr.contains("a compute file is at most 1048576 bytes"),
        "{}",
        r.stderr
    );
}

#[test]
fn over_quota_is_refused_before_sending_with_the_numbers() {
    let e = Emulator::start("10", None);
    let file = e.file(
        "cluster.yml",
        "name: big-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: 40\n",
    );
    let r = e.run(&["computes", "create", "-f", arg(&file)]);
    r.expect(2);
    // 40 × 4 vCPUs against the demo's DSv2 family limit of 48.
    assert!(r.stderr.contains("cluster.yml:4:1: max_instances: 40 × Standard_DS3_v2 needs 160 vCPUs of family standardDSv2Family; the quota leaves"), "{}", r.stderr);
    assert!(r.stderr.contains(" of 48 used)"), "{}", r.stderr);
    assert!(e.show("big-cluster").is_none());
    // An unknown size is refused too.
    let r = e.run(&[
        "computes",
        "create",
        "-f",
        arg(&file),
        "--size",
        "Standard_Nope",
        "--set",
        "max_instances=1",
    ]);
    r.expect(2);
    assert!(
        r.stderr
            .contains("--size: size: Standard_Nope is not a VM size of region"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_wait_returns_once_accepted() {
    let e = Emulator::start("1", None);
    let file = e.file("cluster.yml", "name: nowait-cluster\ntype: amlcompute\n");
    let r = e.run(&[
        "computes",
        "create",
        "-f",
        arg(&file),
        "--no-wait",
        "-o",
        "json",
    ]);
    r.expect(0);
    assert!(
        r.stderr.contains("accepted: create nowait-cluster"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("amlc computes show nowait-cluster"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["name"], "nowait-cluster");
    let c = e.show("nowait-cluster").expect("it exists once accepted");
    let state = c["properties"]["provisioningState"].as_str().unwrap_or("");
    assert!(["Creating", "Succeeded"].contains(&state), "{state}");
}

#[test]
fn attach_refuses_a_file_of_a_compute_that_is_created() {
    let e = Emulator::start("10", None);
    let file = e.file("cluster.yml", "name: att-cluster\ntype: amlcompute\n");
    let r = e.run(&["computes", "attach", "-f", arg(&file)]);
    r.expect(2);
    assert!(
        r.stderr.contains(&format!(
            "cluster.yml:2:1: type: amlcompute computes are created, not attached: use `amlc computes create -f {}`",
            file.display()
        )),
        "{}",
        r.stderr
    );
    assert!(e.show("att-cluster").is_none());
}

/// A loopback proxy to the emulator that answers 403 to the region's VM sizes and usages and
/// forwards everything else; it stops when dropped.
struct NoCatalogue {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NoCatalogue {
    fn start(upstream: &str) -> NoCatalogue {
        let upstream = upstream.trim_end_matches('/').to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, port) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap().port()).unwrap();
                let client = reqwest::Client::new();
                let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
                    let (client, upstream) = (client.clone(), upstream.clone());
                    async move {
                        use axum::response::IntoResponse;
                        let path = req.uri().path().to_string();
                        if path.ends_with("/vmSizes") || path.ends_with("/usages") {
                            let body = json!({"error": {"code": "AuthorizationFailed",
                                "message": "no access to the region's catalogue (test)"}});
                            return (axum::http::StatusCode::FORBIDDEN, axum::Json(body))
                                .into_response();
                        }
                        let url = format!(
                            "{upstream}{}",
                            req.uri().path_and_query().map_or("", |p| p.as_str())
                        );
                        let (parts, body) = req.into_parts();
                        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                        let mut out = client.request(parts.method, url).body(bytes);
                        for (k, v) in &parts.headers {
                            if k != "host" {
                                out = out.header(k, v);
                            }
                        }
                        let answer = out.send().await.unwrap();
                        let mut resp = axum::http::Response::builder().status(answer.status());
                        for (k, v) in answer.headers() {
                            if k != "content-length" && k != "transfer-encoding" {
                                resp = resp.header(k, v);
                            }
                        }
                        let body = answer.bytes().await.unwrap();
                        resp.body(axum::body::Body::from(body)).unwrap()
                    }
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let port = port.recv().unwrap();
        NoCatalogue {
            url: format!("http://127.0.0.1:{port}/"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for NoCatalogue {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn sizes_and_usages_that_cannot_be_read_are_said_and_the_service_decides() {
    let e = Emulator::start("10", None);
    let proxy = NoCatalogue::start(&e.url);
    let file = e.file(
        "cluster.yml",
        "name: blind-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: 2\n",
    );
    let mut cmd = bare(e.home.path());
    cmd.args(["computes", "create", "-f", arg(&file)])
        .args(["--endpoint", &proxy.url, "--auth", "token"])
        .args(["--subscription", SUB, "-g", "demo-rg", "-w", "demo-ws"])
        .env("AMLC_TOKEN", &e.token);
    let r = Run::of(cmd.output().unwrap());
    r.expect(0);
    assert!(
        r.stderr.contains("cannot read the VM sizes of eastus") && r.stderr.contains("403"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("cannot read the quota usages of eastus"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("done: create blind-cluster"),
        "{}",
        r.stderr
    );
    assert_eq!(
        props(&e.show("blind-cluster").unwrap())["vmSize"],
        "Standard_DS3_v2"
    );
    // A location other than the workspace's: its sizes are not checked here, said so.
    let r = e.run(&[
        "computes",
        "create",
        "-f",
        arg(&file),
        "--name",
        "west-cluster",
        "--location",
        "westus2",
        "--dry-run",
    ]);
    r.expect(0);
    assert!(
        r.stderr
            .contains("location westus2 is not the workspace's (eastus)"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["location"], "westus2");
}
