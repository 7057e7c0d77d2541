//! The real `amlc` binary's action commands (`computes start|stop|restart|delete|detach|update|
//! set-idle-shutdown|keys|list-nodes`, `jobs cancel|archive|restore`) against `amlc emulator
//! --demo` on loopback, sped up. Every state an action leaves is checked by a following
//! `computes show -o json` (or the JSON the command prints), never by the command's own words.
//! Each test has its own emulator (its own data directory), so they run in parallel.
//!
//! Exit codes checked: 0 done, 1 failed or refused (`--read-only`, a 409, the service's 400),
//! 2 usage (a resize that breaks the scale rules, a delete off a terminal without `--yes`),
//! 130 Ctrl-C while waiting.

mod tmux_common;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

mod cli_common;

use cli_common::*;

impl Emulator {
    /// `computes show NAME -o json`, or `None` when it is gone.
    fn show(&self, name: &str) -> Option<Value> {
        let r = self.run(&["computes", "show", name, "-o", "json"]);
        if r.code == 0 {
            Some(serde_json::from_str(&r.stdout).unwrap())
        } else {
            assert!(r.stderr.contains("404"), "{}", r.stderr);
            None
        }
    }

    fn state(&self, name: &str) -> String {
        let c = self.show(name).unwrap();
        c["properties"]["properties"]["state"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

impl Emulator {
    /// Sets the demo workspace's vCPU quota of a VM family (`updateQuotas`, over HTTP).
    fn set_quota(&self, family: &str, limit: i64) {
        let sub = "00000000-0000-0000-0000-000000000000";
        let url = format!(
            "{}subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/eastus/updateQuotas?api-version=2025-12-01",
            self.url
        );
        let id = format!(
            "/subscriptions/{sub}/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/quotas/{family}"
        );
        let body = serde_json::json!({"value": [{"id": id, "limit": limit}]});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answer: Value = runtime.block_on(async {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(&self.token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        assert_eq!(answer["value"][0]["status"], "Success", "{answer}");
    }
}

fn props(c: &Value) -> &Value {
    &c["properties"]["properties"]
}

#[test]
fn instance_actions_wait_to_the_end_and_a_conflict_is_clear() {
    let e = Emulator::start("10", None);
    assert_eq!(e.state("ci-alice"), "Running");

    // Waits to the end: the next `show` already sees the final state.
    let r = e.run(&["computes", "stop", "ci-alice"]);
    r.expect(0);
    assert!(r.stdout.is_empty(), "data only with -o json: {}", r.stdout);
    // Off a terminal: one line per state change, then the end.
    assert!(
        r.stderr.contains("stop ci-alice: InProgress"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("done: stop ci-alice"), "{}", r.stderr);
    assert!(!r.stderr.contains('\r'), "no live line off a terminal");
    let c = e.show("ci-alice").unwrap();
    assert_eq!(props(&c)["state"], "Stopped");
    assert_eq!(props(&c)["lastOperation"]["operationName"], "Stop");
    assert_eq!(props(&c)["lastOperation"]["operationStatus"], "Succeeded");
    assert_eq!(props(&c)["lastOperation"]["operationTrigger"], "User");

    // -o json prints the final resource.
    let r = e.run(&["computes", "start", "ci-alice", "-o", "json"]);
    r.expect(0);
    assert_eq!(props(&r.json())["state"], "Running");
    assert_eq!(e.state("ci-alice"), "Running");

    // A conflict: the service's 409 on one line, cause first, then what to do; exit 1.
    let r = e.run(&["computes", "start", "ci-alice"]);
    r.expect(1);
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(first.starts_with("amlc: 409 Conflict: "), "{}", r.stderr);
    assert!(
        first.contains("Cannot start compute instance ci-alice in state Running"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("what to do: "), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    let r = e.run(&["computes", "restart", "ci-alice"]);
    r.expect(0);
    let c = e.show("ci-alice").unwrap();
    assert_eq!(props(&c)["state"], "Running");
    assert_eq!(props(&c)["lastOperation"]["operationName"], "Restart");

    // Idle shutdown: set, then cleared (null on the wire); out of range is usage.
    e.run(&[
        "computes",
        "set-idle-shutdown",
        "ci-alice",
        "--minutes",
        "30",
    ])
    .expect(0);
    let c = e.show("ci-alice").unwrap();
    assert_eq!(props(&c)["idleTimeBeforeShutdown"], "PT30M");
    let r = e.run(&[
        "computes",
        "set-idle-shutdown",
        "ci-alice",
        "--clear",
        "-o",
        "json",
    ]);
    r.expect(0);
    assert!(props(&r.json()).get("idleTimeBeforeShutdown").is_none());
    // An instance that failed to provision cannot be started: the service says why.
    let r = e.run(&["computes", "start", "ci-a100-test"]);
    r.expect(1);
    assert!(
        r.stderr.contains("failed to provision (CreateFailed)"),
        "{}",
        r.stderr
    );

    // An operation that fails: exit 1, the operation's error on the first line, cause first.
    // (The workspace's DSv2 quota set to 0 vCPUs, so ci-bob cannot start.)
    e.set_quota("Standard_DSv2_Family_Cluster_Dedicated_vCPUs", 0);
    let r = e.run(&["computes", "start", "ci-bob"]);
    r.expect(1);
    let first = r
        .stderr
        .lines()
        .find(|l| l.starts_with("amlc: operation"))
        .unwrap_or("");
    assert!(
        first.contains("ended Failed") && first.contains("OutOfQuota"),
        "{}",
        r.stderr
    );
    let c = e.show("ci-bob").unwrap();
    assert_eq!(props(&c)["state"], "Stopped");
    assert_eq!(props(&c)["lastOperation"]["operationStatus"], "StartFailed");

    let r = e.run(&[
        "computes",
        "set-idle-shutdown",
        "ci-alice",
        "--minutes",
        "5",
    ]);
    r.expect(2);
    assert!(
        r.stderr.contains("between 15 minutes and 3 days"),
        "{}",
        r.stderr
    );
    e.run(&["computes", "set-idle-shutdown", "ci-alice"])
        .expect(2);
}

#[test]
fn no_wait_returns_before_the_end_and_ctrl_c_stops_waiting() {
    // Speed 1: a stop or a start takes 2.5 s, long enough to look at it half-way.
    let e = Emulator::start("1", None);
    let started = Instant::now();
    let r = e.run(&["computes", "stop", "ci-alice", "--no-wait", "-o", "json"]);
    r.expect(0);
    // The resource as it is once accepted: already on its way.
    assert_eq!(props(&r.json())["state"], "Stopping");
    assert!(r.stderr.contains("accepted: stop ci-alice"), "{}", r.stderr);
    assert!(
        r.stderr.contains("amlc computes show ci-alice"),
        "{}",
        r.stderr
    );
    assert!(started.elapsed() < Duration::from_millis(2000));
    assert_eq!(e.state("ci-alice"), "Stopping");

    // Ctrl-C while waiting: stop waiting, say it goes on, exit 130.
    let mut child = e
        .cmd(&["computes", "start", "ci-bob"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("start ci-bob: InProgress"), "{line}");
    // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
    unsafe {
        libc::kill(libc::pid_t::try_from(child.id()).unwrap(), libc::SIGINT);
    }
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("stopped waiting"), "{rest}");
    assert!(rest.contains("start ci-bob goes on in Azure"), "{rest}");
    // It does go on.
    assert_eq!(e.state("ci-bob"), "Starting");
}

#[test]
fn read_only_and_unconfirmed_removals_send_nothing() {
    let e = Emulator::start("10", None);
    // --read-only before or after the subcommand, or from the environment.
    for args in [
        &["--read-only", "computes", "stop", "ci-alice"][..],
        &["computes", "stop", "ci-alice", "--read-only"][..],
        &["jobs", "cancel", "dreamy_snail_tm8r2p4k1q", "--read-only"][..],
        &[
            "computes",
            "update",
            "cpu-cluster",
            "--max-instances",
            "8",
            "--read-only",
        ][..],
    ] {
        let r = e.run(args);
        r.expect(1);
        assert!(r.stderr.contains("--read-only"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    }
    let r = Run::of(
        e.cmd(&["computes", "delete", "ci-bob", "--yes"])
            .env("AMLC_READ_ONLY", "1")
            .output()
            .unwrap(),
    );
    r.expect(1);
    assert!(r.stderr.contains("--read-only"), "{}", r.stderr);
    assert_eq!(e.state("ci-alice"), "Running");
    let c = e.show("cpu-cluster").unwrap();
    assert_eq!(props(&c)["scaleSettings"]["maxNodeCount"], 4);
    assert!(e.show("ci-bob").is_some());
    // Reading still works under --read-only.
    e.run(&["computes", "keys", "remote-vm", "--read-only"])
        .expect(0);
    e.run(&["computes", "list-nodes", "gpu-cluster", "--read-only"])
        .expect(0);

    // Off a terminal a delete or a detach needs --yes: usage, nothing sent.
    let r = e.run(&["computes", "delete", "ci-bob"]);
    r.expect(2);
    assert!(r.stderr.contains("add --yes"), "{}", r.stderr);
    assert!(e.show("ci-bob").is_some());
    let r = e.run(&["computes", "detach", "remote-vm"]);
    r.expect(2);
    assert!(e.show("remote-vm").is_some());

    // With --yes: a delete removes it and waits until it is gone.
    let r = e.run(&["computes", "delete", "ci-bob", "--yes", "-o", "json"]);
    r.expect(0);
    assert_eq!(r.json(), serde_json::json!({}));
    assert!(e.show("ci-bob").is_none());

    // A detach of an attached compute removes it from the workspace.
    e.run(&["computes", "detach", "remote-vm", "-y"]).expect(0);
    assert!(e.show("remote-vm").is_none());

    // A detach of a managed compute: the service's refusal, in full, exit 1.
    let r = e.run(&["computes", "detach", "ci-alice", "--yes"]);
    r.expect(1);
    assert!(
        r.stderr
            .contains("Compute ci-alice is a managed ComputeInstance; Detach applies to attached computes only"),
        "{}",
        r.stderr
    );
    assert_eq!(e.state("ci-alice"), "Running");
}

#[test]
fn cluster_update_nodes_and_keys() {
    let e = Emulator::start("10", None);
    let scale = |e: &Emulator| props(&e.show("cpu-cluster").unwrap())["scaleSettings"].clone();
    let before = scale(&e);
    assert_eq!(
        (
            before["minNodeCount"].as_i64(),
            before["maxNodeCount"].as_i64()
        ),
        (Some(0), Some(4))
    );

    // Breaking the scale rules is a usage error (exit 2), and nothing is sent: both values
    // given, or one given against the cluster's current other one.
    let r = e.run(&[
        "computes",
        "update",
        "cpu-cluster",
        "--min-instances",
        "3",
        "--max-instances",
        "2",
    ]);
    r.expect(2);
    assert!(
        r.stderr
            .contains("max nodes must be at least min nodes (3)"),
        "{}",
        r.stderr
    );
    let r = e.run(&["computes", "update", "cpu-cluster", "--min-instances", "5"]);
    r.expect(2);
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    let r = e.run(&["computes", "update", "cpu-cluster"]);
    r.expect(2);
    assert!(r.stderr.contains("--max-instances"), "{}", r.stderr);
    assert_eq!(scale(&e), before);
    // A compute that is not a cluster: refused before sending, exit 1.
    e.run(&["computes", "update", "ci-alice", "--max-instances", "2"])
        .expect(1);

    // Raise the minimum: what is not given is kept; the nodes follow.
    let r = e.run(&[
        "computes",
        "update",
        "cpu-cluster",
        "--min-instances",
        "2",
        "-o",
        "json",
    ]);
    r.expect(0);
    let after = props(&r.json())["scaleSettings"].clone();
    assert_eq!(after["minNodeCount"], 2);
    assert_eq!(after["maxNodeCount"], 4);
    // The same idle time, whatever its spelling (PT120S, PT2M).
    let secs = |v: &Value| {
        amlc::azure::computes::iso_duration_secs(v["nodeIdleTimeBeforeScaleDown"].as_str()?)
    };
    assert_eq!(secs(&after), secs(&before));
    assert_eq!(secs(&before), Some(120));
    let deadline = Instant::now() + Duration::from_secs(5);
    let nodes = loop {
        let r = e.run(&["computes", "list-nodes", "cpu-cluster", "-o", "json"]);
        r.expect(0);
        let nodes = r.json().as_array().cloned().unwrap_or_default();
        if nodes.len() == 2 && nodes.iter().all(|n| n["nodeState"] == "idle") {
            break nodes;
        }
        assert!(Instant::now() < deadline, "nodes never came: {nodes:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let r = e.run(&["computes", "list-nodes", "cpu-cluster"]);
    r.expect(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("NODE") && lines[0].contains("STATE"),
        "{}",
        r.stdout
    );
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    for n in &nodes {
        assert!(
            r.stdout.contains(n["nodeId"].as_str().unwrap()),
            "{}",
            r.stdout
        );
    }

    // Keys: masked unless asked, in a table or as JSON.
    let r = e.run(&["computes", "keys", "remote-vm"]);
    r.expect(0);
    assert!(
        r.stdout.contains("administratorAccount.password  ***"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("azureuser"));
    assert!(!r.stdout.contains("demo-password-not-real"));
    let r = e.run(&["computes", "keys", "remote-vm", "-o", "json"]);
    r.expect(0);
    assert_eq!(r.json()["administratorAccount"]["password"], "***");
    let r = e.run(&[
        "computes",
        "keys",
        "remote-vm",
        "--show-secrets",
        "-o",
        "json",
    ]);
    r.expect(0);
    assert_eq!(
        r.json()["administratorAccount"]["password"],
        "demo-password-not-real"
    );
    let r = e.run(&["computes", "keys", "remote-vm", "--show-secrets"]);
    assert!(r.stdout.contains("demo-password-not-real"), "{}", r.stdout);
}

#[test]
fn job_cancel_archive_and_restore() {
    let e = Emulator::start("10", None);
    let live = "dreamy_snail_tm8r2p4k1q";
    let r = e.run(&["jobs", "cancel", live, "-o", "json"]);
    r.expect(0);
    assert_eq!(r.json()["properties"]["status"], "Canceled");
    assert!(
        r.stderr.contains(&format!("done: cancel job {live}")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("job status Canceled"), "{}", r.stderr);
    // A job that has ended: nothing to do, as the service answers (200); the status says so.
    let r = e.run(&["jobs", "cancel", "brisk_owl_8p1q6z3w5n"]);
    r.expect(0);
    assert!(r.stderr.contains("job status Completed"), "{}", r.stderr);

    let done = "quiet_bear_2h7g4n9c6v";
    let r = e.run(&["jobs", "archive", done, "-o", "json"]);
    r.expect(0);
    assert_eq!(r.json()["properties"]["isArchived"], true);
    let r = e.run(&["jobs", "restore", done, "-o", "json"]);
    r.expect(0);
    assert_eq!(r.json()["properties"]["isArchived"], false);

    let r = e.run(&["jobs", "cancel", "no_such_job"]);
    r.expect(1);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
}

/// On a terminal (tmux): a delete of a managed compute wants its name typed (a wrong name sends
/// nothing), a detach a `y`; the live progress line is rewritten in place and cleared at the end.
#[test]
fn on_a_terminal_removals_ask_and_the_progress_line_is_cleared() {
    let e = Emulator::start("10", None);
    let tmux = tmux_common::Tmux::shell("actions", 160, 30, e.home.path(), "amlc-tmux.log");
    // Each command ends with its own marker (`done-N rc=CODE`) and the screen is cleared
    // before it, so what a step waits for is that step's output.
    let step = std::cell::Cell::new(0);
    let ask = |args: &str, question: &str, answer: &str| {
        step.set(step.get() + 1);
        let n = step.get();
        tmux.type_text(&format!(
            "clear; AMLC_TOKEN={} {} computes {args} --endpoint {} --auth token --subscription \
             00000000-0000-0000-0000-000000000000 -g demo-rg -w demo-ws; echo \"done-{n} rc=$?\"",
            e.token,
            tmux_common::binary().display(),
            e.url
        ));
        tmux.send(&["Enter"]);
        tmux.wait_for(question, |s| s.contains(question));
        tmux.type_text(answer);
        tmux.send(&["Enter"]);
        let marker = format!("done-{n} rc=");
        let screen = tmux.wait_for(&marker, |s| s.contains(&marker));
        let rc = screen
            .split(&marker)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        (screen, rc)
    };
    let name_it = "Type the compute's name to confirm:";

    let (screen, rc) = ask("delete ci-bob", name_it, "ci-bo");
    assert_eq!(rc, "1", "{screen}");
    assert!(
        screen.contains("Delete compute instance ci-bob?"),
        "{screen}"
    );
    assert!(
        screen.contains("not confirmed; nothing was sent"),
        "{screen}"
    );
    assert!(e.show("ci-bob").is_some());

    let (screen, rc) = ask("delete ci-bob", name_it, "ci-bob");
    assert_eq!(rc, "0", "{screen}");
    assert!(screen.contains("done: delete ci-bob"), "{screen}");
    // The live line was cleared: none of it is left on the screen.
    assert!(!screen.contains("Ctrl-C stops waiting"), "{screen}");
    assert!(e.show("ci-bob").is_none());

    let (screen, rc) = ask("detach remote-vm", "[y/N]", "y");
    assert_eq!(rc, "0", "{screen}");
    assert!(
        screen.contains("the resource itself is left as is"),
        "{screen}"
    );
    assert!(screen.contains("done: detach remote-vm"), "{screen}");
    assert!(e.show("remote-vm").is_none());
}

/// Off a terminal, a wait's log shows the resource's own state as it is read meanwhile (the
/// operation itself only ever says InProgress), once per change.
#[test]
fn a_wait_logs_the_resource_state_as_it_changes() {
    // Half speed: the stop takes 5 s, so the first read (after 2 s) sees Stopping.
    let e = Emulator::start("0.5", None);
    let r = e.run(&["computes", "stop", "ci-alice"]);
    r.expect(0);
    assert!(
        r.stderr.contains("stop ci-alice: ci-alice is Stopping"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("ci-alice is Stopping").count(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(e.state("ci-alice"), "Stopped");
}
