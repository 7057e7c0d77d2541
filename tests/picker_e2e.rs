//! End to end: the real `amlc` TUI in a tmux pane with only an Azure CLI login configured (a
//! fresh HOME whose `~/.azure/azureProfile.json` names the demo subscription as the default, no
//! group or workspace), pointed at a standalone `amlc emulator`. The workspace picker lists the
//! subscription's workspaces and the demo emulator as a marked choice; Enter connects to the
//! chosen workspace. Each run uses its own tmux socket and emulator, both stopped at the end
//! even on failure. tmux is required: without it the test fails with a clear message.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod tmux_common;

use tmux_common::Tmux;

const DEMO_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// A standalone emulator with the demo workspace; SIGTERM (then SIGKILL) when dropped.
struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(home: &Path) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_amlc"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("AMLC_LOG_FILE", home.join("emulator.log"))
            .args(["emulator", "--demo", "--port", "0", "--speed", "20"])
            .arg("--data-dir")
            .arg(home.join("emu"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("amlc emulator starts");
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut first);
        }
        let url = first
            .trim()
            .strip_prefix("amlc emulator listening on ")
            .unwrap_or_default()
            .to_string();
        let emulator = Emulator { child, url };
        assert!(!emulator.url.is_empty(), "unexpected first line {first:?}");
        emulator
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) with a pid this test spawned and has not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
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

/// The shell command that runs the TUI in the pane with a clean environment.
fn tui_command(home: &Path, emulator: &Emulator, token: &str) -> String {
    format!(
        "env -i HOME='{h}' XDG_DATA_HOME='{h}/data' XDG_CONFIG_HOME='{h}/config' \
         PATH=/usr/local/bin:/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
         AMLC_LOG_FILE='{h}/amlc.log' AMLC_TOKEN='{token}' '{bin}' --endpoint '{url}' --auth token; \
         echo EXIT=$?; sleep 60",
        h = home.display(),
        bin = env!("CARGO_BIN_EXE_amlc"),
        url = emulator.url,
    )
}

fn az_login(home: &Path) {
    let dir = home.join(".azure");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("azureProfile.json"),
        format!(
            "\u{feff}{{\"subscriptions\":[{{\"id\":\"{DEMO_SUBSCRIPTION}\",\"isDefault\":true,\"environmentName\":\"AzureCloud\"}}]}}"
        ),
    )
    .unwrap();
}

#[test]
fn with_only_an_azure_cli_login_the_tui_offers_a_workspace_picker() {
    let home = tempfile::tempdir().unwrap();
    az_login(home.path());
    let emulator = Emulator::start(home.path());
    let token = std::fs::read_to_string(home.path().join("emu/token")).unwrap();
    let tmux = Tmux::start(
        "picker",
        110,
        24,
        &tui_command(home.path(), &emulator, token.trim()),
    );

    let screen = tmux.wait_for("the listed workspaces", |s| s.contains("demo-ws"));
    assert!(screen.contains("choose a workspace"), "{screen}");
    assert!(
        screen.contains(&format!("subscription {DEMO_SUBSCRIPTION}")),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains("demo-ws"))
        .unwrap_or_default();
    assert_eq!(
        row.trim_matches(|c: char| c == '│' || c.is_whitespace())
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["demo-ws", "demo-rg", "eastus"],
        "{screen}"
    );
    assert!(
        screen.contains("[demo] built-in emulator") && screen.contains("NOT Azure"),
        "{screen}"
    );

    // Enter connects to the selected workspace (the first one): its computes appear, and the
    // status bar does not say this is the built-in emulator.
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("the workspace's computes", |s| s.contains("ci-alice"));
    assert!(!screen.contains("EMULATOR:"), "{screen}");
    tmux.send(&["q"]);
    tmux.wait_for("the exit", |s| s.contains("EXIT=0"));
}

#[test]
fn the_picker_says_why_the_workspaces_could_not_be_listed_and_sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    az_login(home.path());
    let emulator = Emulator::start(home.path());
    let tmux = Tmux::start(
        "picker",
        110,
        24,
        &tui_command(home.path(), &emulator, "not-the-token"),
    );
    let screen = tmux.wait_for("the listing error", |s| s.contains("could not list them"));
    assert!(screen.contains("401"), "{screen}");
    assert!(screen.contains("[demo] built-in emulator"), "{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    // SAFETY: kill(2) on the amlc process this test started in the pane.
    unsafe {
        libc::kill(tmux.child_pid(), libc::SIGTERM);
    }
    let screen = tmux.wait_for("the exit", |s| s.contains("EXIT=143"));
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "still on the alternate screen:\n{screen}"
    );
}
