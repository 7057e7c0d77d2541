//! Two TUIs on one HOME (issue 7, item 5), each the real `amlc` binary in its own tmux server
//! with a cleared environment: both use the one shared background emulator, and quitting the
//! first leaves the second live — a compute created afterwards appears in it. At the end the
//! HOME is removed and the emulator must stop by itself, leaving no process behind.
//! tmux is required: without it the test fails with a clear message.

mod tmux_common;

use std::path::Path;
use std::time::{Duration, Instant};
use tmux_common::{Tmux, alive, binary};

/// amlc in `tmux`'s shell, its exit status printed after it.
fn launch(tmux: &Tmux) {
    tmux.type_text(&format!("'{}'; echo EXIT=$?", binary().display()));
    tmux.send(&["Enter"]);
}

fn loaded(s: &str) -> bool {
    s.contains("1 Instances (") && !s.contains("Instances (…)") && s.contains("ci-alice")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_string()
}

#[test]
fn quitting_one_tui_leaves_the_other_live() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data/amlc/emulator");
    let first = Tmux::shell("two-a", 130, 32, home.path(), "amlc-a.log");
    launch(&first);
    first.wait_for("the first TUI's compute list", loaded);
    let second = Tmux::shell("two-b", 130, 32, home.path(), "amlc-b.log");
    launch(&second);
    second.wait_for("the second TUI's compute list", loaded);
    let server: i32 = read(&data.join("pid")).parse().unwrap();

    first.send(&["q"]);
    first.wait_for("the first TUI to exit", |s| s.contains("EXIT=0"));
    assert!(
        alive(server),
        "the shared emulator ended with the first TUI"
    );
    assert_eq!(read(&data.join("pid")).parse::<i32>().unwrap(), server);

    // The second TUI is still served: a compute created now shows up in it.
    let url = read(&data.join("url"));
    let token = read(&data.join("token"));
    let ws = "subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws";
    let body = r#"{"location":"eastus","properties":{"computeType":"ComputeInstance","properties":{"vmSize":"Standard_DS2_v2"}}}"#;
    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            reqwest::Client::new()
                .put(format!(
                    "{url}{ws}/computes/ci-after-quit?api-version=2025-12-01"
                ))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map(|r| r.status())
        });
    let put = match status {
        Ok(s) => s.as_u16().to_string(),
        Err(e) => format!("no answer: {e}"),
    };
    assert!(put.starts_with('2'), "PUT answered {put}");
    second.wait_for("the new compute in the second TUI", |s| {
        s.contains("ci-after-quit")
    });
    second.send(&["q"]);
    second.wait_for("the second TUI to exit", |s| s.contains("EXIT=0"));
    assert!(alive(server), "the shared emulator stays until idle");

    // Its HOME removed, the emulator stops by itself.
    drop(first);
    drop(second);
    drop(home);
    let started = Instant::now();
    while alive(server) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the emulator outlived its data directory"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
