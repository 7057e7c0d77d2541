//! Starting job processes so that none of them outlives the emulator, however it ends.
//!
//! A clean shutdown or a cancel kills a job's process groups itself (see `runner.rs`). This
//! module covers the emulator dying without a word (SIGKILL, a panic that aborts, the OOM
//! killer): every rank is a group leader started with a parent-death signal (`PR_SET_PDEATHSIG`,
//! SIGKILL), and next to it runs a tiny watchdog shell in the same process group, started with
//! its own parent-death signal (SIGUSR1) on which it kills the whole group, so children the
//! command left in the background die too.
//!
//! Linux sends the parent-death signal when the *thread* that forked the child ends, not the
//! process: tokio's blocking-pool threads end when idle, so every job process is forked from one
//! long-lived thread per emulator ([`Spawner`]), which ends only when the emulator's shared state
//! is dropped. After `prctl` the child checks that its parent is still the emulator (it may have
//! died between the fork and the `prctl`) and gives up if not.
//!
//! Job processes carry `AMLC_EMULATOR_DATA_DIR` in their environment so a check after the tests
//! (`.ci/run`) can find any left behind. This module must not log command lines or environments.

use std::io;
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::mpsc;

/// The name the watchdog shell runs under (`$0`), visible in `ps`.
pub const WATCHDOG_NAME: &str = "amlc-job-watchdog";

/// On SIGUSR1 (its parent-death signal) it kills its process group: the job's rank and
/// everything the rank started. SIGTERM (a graceful cancel) is ignored so the rank gets its
/// grace period; the SIGKILL that follows ends the watchdog with the group.
const WATCHDOG_SCRIPT: &str =
    "trap '' TERM INT HUP; trap 'kill -KILL 0' USR1; while :; do sleep 3600 & wait $!; done";

type Task = Box<dyn FnOnce() + Send>;

/// One long-lived thread that forks every job process of an emulator.
#[derive(Default)]
pub struct Spawner {
    tx: Mutex<Option<mpsc::Sender<Task>>>,
}

impl Spawner {
    /// Runs `f` on the spawner thread (started on first use) and returns its result.
    fn run<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> io::Result<R> {
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let task: Task = Box::new(move || {
            let _ = reply_tx.send(f());
        });
        {
            let mut slot = self.tx.lock().unwrap_or_else(|e| e.into_inner());
            if slot.is_none() {
                let (tx, rx) = mpsc::channel::<Task>();
                std::thread::Builder::new()
                    .name("amlc-emulator-spawner".into())
                    .spawn(move || {
                        while let Ok(task) = rx.recv() {
                            task();
                        }
                    })?;
                *slot = Some(tx);
            }
            let sent = slot.as_ref().map(|tx| tx.send(task));
            if !matches!(sent, Some(Ok(()))) {
                *slot = None;
                return Err(io::Error::other("the process spawner thread has ended"));
            }
        }
        reply_rx
            .recv()
            .map_err(|_| io::Error::other("the process spawner thread has ended"))
    }

    /// Starts one rank: `cmd` becomes a process-group leader that dies with the emulator, and a
    /// watchdog joins its group. Returns the rank and the watchdog (None if the rank's group was
    /// already gone when the watchdog started).
    pub fn spawn_rank(
        &self,
        mut cmd: tokio::process::Command,
        data_dir: &std::path::Path,
    ) -> io::Result<(tokio::process::Child, Option<tokio::process::Child>)> {
        let runtime = tokio::runtime::Handle::current();
        let data_dir = data_dir.to_path_buf();
        self.run(move || {
            let _entered = runtime.enter();
            let parent = std::process::id();
            cmd.env("AMLC_EMULATOR_DATA_DIR", &data_dir)
                .process_group(0)
                .kill_on_drop(false);
            // SAFETY: the closure runs in the forked child before exec and calls only
            // async-signal-safe functions (prctl, getppid).
            unsafe {
                cmd.pre_exec(move || die_with_parent(libc::SIGKILL, parent));
            }
            let rank = cmd.spawn()?;
            let Some(pgid) = rank.id() else {
                return Ok((rank, None));
            };
            let mut dog = tokio::process::Command::new("/bin/sh");
            dog.arg("-c")
                .arg(WATCHDOG_SCRIPT)
                .arg(WATCHDOG_NAME)
                .env("AMLC_EMULATOR_DATA_DIR", &data_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(pgid as i32)
                .kill_on_drop(false);
            // SAFETY: as above.
            unsafe {
                dog.pre_exec(move || die_with_parent(libc::SIGUSR1, parent));
            }
            // The rank may already have ended with its whole group: then there is nothing to guard.
            Ok((rank, dog.spawn().ok()))
        })?
    }
}

/// In a forked child: ask for `signal` when the forking thread ends, then make sure the
/// emulator did not die before the request took effect.
fn die_with_parent(signal: i32, parent: u32) -> io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe and touch no memory of ours.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::getppid() as u32 != parent {
            return Err(io::Error::other(
                "the emulator ended while starting the job",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                let state = s.rsplit(')').next().unwrap_or("").split_whitespace().next();
                !matches!(state, Some("Z") | Some("X"))
            })
            .unwrap_or(false)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ranks_and_their_children_die_when_the_spawner_thread_ends() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let spawner = Spawner::default();
        let mut cmd = tokio::process::Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(format!(
                "sleep 300 & echo $! > {}; wait",
                pid_file.display()
            ))
            .stdin(Stdio::null());
        let (mut rank, dog) = spawner.spawn_rank(cmd, dir.path()).unwrap();
        let rank_pid = rank.id().unwrap() as i32;
        let mut dog = dog.expect("a watchdog");
        let started = Instant::now();
        let child: i32 = loop {
            if let Ok(s) = std::fs::read_to_string(&pid_file)
                && let Ok(p) = s.trim().parse()
            {
                break p;
            }
            assert!(started.elapsed() < Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        // The job's background child is in the rank's group.
        let pgid = unsafe { libc::getpgid(child) };
        assert_eq!(pgid, rank_pid);
        // The thread that forked them ends: everything goes, the background child too.
        drop(spawner);
        let status = tokio::time::timeout(Duration::from_secs(5), rank.wait())
            .await
            .expect("the rank died with its spawner thread")
            .unwrap();
        assert!(!status.success());
        let _ = tokio::time::timeout(Duration::from_secs(5), dog.wait()).await;
        let started = Instant::now();
        while alive(child) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the rank's child {child} outlived it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
