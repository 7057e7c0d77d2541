//! Shared by the headless tests of the real binary (tests/cli_actions.rs, tests/cli_jobs.rs):
//! an `amlc emulator --demo` child on loopback with its own data directory (stopped when
//! dropped), the binary with a clean environment pointed at its demo workspace, and the result
//! of a run (exit code, stdout, stderr). Each test file adds what it needs in its own `impl`.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const WS: &str = "subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws";

/// An `amlc emulator --demo` child, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Emulator {
    child: Child,
    pub url: String,
    pub token: String,
    pub home: tempfile::TempDir,
    pub data: PathBuf,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
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

/// The binary with a clean environment under `home`.
pub fn bare(home: &Path) -> Command {
    bare_program(env!("CARGO_BIN_EXE_amlc"), home)
}

/// `program` with a clean environment under `home`.
pub fn bare_program(program: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
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

impl Emulator {
    /// A demo emulator at `speed`, with `--faults SPEC` when given.
    pub fn start(speed: &str, faults: Option<&str>) -> Emulator {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join("emu");
        let mut cmd = bare(home.path());
        cmd.args(["emulator", "--demo", "--port", "0", "--speed", speed])
            .args(["--idle-timeout", "120", "--data-dir"])
            .arg(&data);
        if let Some(spec) = faults {
            cmd.args(["--faults", spec]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("amlc emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        let token = std::fs::read_to_string(data.join("token"))
            .unwrap()
            .trim()
            .to_string();
        Emulator {
            child,
            url,
            token,
            home,
            data,
        }
    }

    /// `amlc ARGS` pointed at the demo workspace, polling logs fast (the emulator is sped up).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = bare(self.home.path());
        cmd.args(args)
            .args(["--endpoint", &self.url, "--auth", "token"])
            .args(["--subscription", SUB])
            .args(["-g", "demo-rg", "-w", "demo-ws"])
            .env("AMLC_TOKEN", &self.token)
            .env("AMLC_LOG_POLL_MS", "50,100,300");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.cmd(args).output().unwrap())
    }
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}
