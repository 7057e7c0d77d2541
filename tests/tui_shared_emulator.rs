//! Two TUIs on one HOME (issue 7, item 5), each the real `amlc` binary in its own tmux server
//! with a cleared environment: both use the one shared background emulator, and quitting the
//! first leaves the second live — a compute created afterwards appears in it. At the end the
//! HOME is removed and the emulator must stop by itself, leaving no process behind.
//! tmux is required: without it the test fails with a clear message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(home: &Path, name: &str) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            matches!(&found, Ok(o) if o.status.success()),
            "tmux is required for this test but was not found on PATH \
             (`.ci/run` installs it; on Debian: apt-get install tmux): {found:?}"
        );
        let socket = format!(
            "amlc-two-{name}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        );
        let tmux = Tmux { socket };
        let shell = format!(
            "env -i HOME='{h}' XDG_DATA_HOME='{h}/data' XDG_CONFIG_HOME='{h}/config' \
             PATH=/usr/local/bin:/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
             AMLC_LOG_FILE='{h}/amlc-{name}.log' PS1='e2e$ ' sh",
            h = home.display(),
        );
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "130",
            "-y",
            "32",
            "-s",
            "e2e",
            &shell,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux.wait_for("the shell prompt", |s| s.contains("e2e$"));
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn type_text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn launch(&self) {
        self.type_text(&format!("'{}'; echo EXIT=$?", env!("CARGO_BIN_EXE_amlc")));
        self.send(&["Enter"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata("/proc/self") {
            let dir = std::env::var_os("TMUX_TMPDIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp"));
            let _ =
                std::fs::remove_file(dir.join(format!("tmux-{}", meta.uid())).join(&self.socket));
        }
    }
}

fn loaded(s: &str) -> bool {
    s.contains("1 Instances (") && !s.contains("Instances (…)") && s.contains("ci-alice")
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").split_whitespace().next();
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
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
    let first = Tmux::start(home.path(), "a");
    first.launch();
    first.wait_for("the first TUI's compute list", loaded);
    let second = Tmux::start(home.path(), "b");
    second.launch();
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
