//! Starting job processes so that none of them outlives the emulator, however it ends.
//!
//! A clean shutdown or a cancel kills a job's process groups itself (see `runner.rs`). This
//! module covers the emulator dying without a word (SIGKILL, an abort, the OOM killer): every
//! rank is a process-group leader started with a parent-death signal (`PR_SET_PDEATHSIG`,
//! SIGKILL), and next to it a watchdog joins the rank's group: a bare `fork` of the emulator (no
//! exec, only async-signal-safe calls) that blocks SIGUSR1, asks for it as its own parent-death
//! signal, and on receiving it kills the whole group, so the children a command left in the
//! background die too. The signal is blocked *before* `prctl`, so an emulator dying while the
//! watchdog starts leaves it pending rather than lost, and the watchdog checks `getppid` after
//! `prctl` in case the emulator was already gone. It closes every inherited descriptor (the
//! listening socket, the data directory's lock) so it holds nothing of the emulator's.
//!
//! Linux sends the parent-death signal when the *thread* that forked the child ends, not the
//! process: tokio's blocking-pool threads end when idle, so every job process is forked from one
//! long-lived thread per emulator ([`Spawner`]), which ends only when the emulator's shared state
//! is dropped.
//!
//! Job processes carry `AMLC_EMULATOR_DATA_DIR` in their environment so a check after the tests
//! (`.ci/run`) can find any left behind. This module must not log command lines or environments.

use std::io;
use std::sync::Mutex;
use std::sync::mpsc;

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
    /// watchdog joins its group. Returns the rank and the watchdog's pid (None when it could not
    /// be started; the job runs anyway).
    pub fn spawn_rank(
        &self,
        mut cmd: tokio::process::Command,
        data_dir: &std::path::Path,
    ) -> io::Result<(tokio::process::Child, Option<i32>)> {
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
                cmd.pre_exec(move || die_with_parent(parent));
            }
            let rank = cmd.spawn()?;
            let watchdog = rank
                .id()
                .and_then(|pgid| spawn_watchdog(pgid as i32, parent).ok());
            Ok((rank, watchdog))
        })?
    }
}

/// In a forked rank: ask for SIGKILL when the forking thread ends, then make sure the emulator
/// did not die before the request took effect.
fn die_with_parent(parent: u32) -> io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe and touch no memory of ours.
    unsafe {
        if libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        if libc::getppid() as u32 != parent {
            // No allocation after fork (another thread may have held the allocator's lock):
            // "no such process", the emulator that asked for the job.
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

extern "C" fn wake(_: libc::c_int) {}

/// Forks the watchdog of process group `pgid` (see the module docs) and returns its pid. Must
/// run on the spawner thread.
fn spawn_watchdog(pgid: i32, parent: u32) -> io::Result<i32> {
    // SAFETY: after fork the child runs only async-signal-safe calls (sigaction, sigprocmask,
    // setpgid, prctl, getppid, close_range/close, sigsuspend, kill, _exit) and never returns.
    unsafe {
        match libc::fork() {
            -1 => Err(io::Error::last_os_error()),
            0 => watchdog(pgid, parent),
            pid => {
                // Both sides set the group (the usual idiom), so it is set when fork returns.
                libc::setpgid(pid, pgid);
                Ok(pid)
            }
        }
    }
}

/// The watchdog's whole life, in the forked child.
unsafe fn watchdog(pgid: i32, parent: u32) -> ! {
    // SAFETY: see `spawn_watchdog`; every call is async-signal-safe, nothing allocates.
    unsafe {
        let mut blocked: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut blocked);
        for sig in [libc::SIGUSR1, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut blocked, sig);
        }
        // SIGTERM (a graceful cancel) stays blocked: the SIGKILL that follows ends the watchdog.
        libc::sigprocmask(libc::SIG_BLOCK, &blocked, std::ptr::null_mut());
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = wake as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            for fd in 3..4096 {
                libc::close(fd);
            }
        }
        // `ps -o comm` and `top` show what it is (its command line stays the emulator's).
        libc::prctl(
            libc::PR_SET_NAME,
            c"amlc-watchdog".as_ptr() as libc::c_ulong,
            0,
            0,
            0,
        );
        if libc::setpgid(0, pgid) != 0 {
            // The rank's group is already gone: nothing to guard.
            libc::_exit(0);
        }
        if libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGUSR1 as libc::c_ulong,
            0,
            0,
            0,
        ) == 0
            && libc::getppid() as u32 == parent
        {
            let mut waiting: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut waiting);
            libc::sigdelset(&mut waiting, libc::SIGUSR1);
            // Returns once SIGUSR1 (pending or new) was handled.
            libc::sigsuspend(&waiting);
        }
        libc::kill(-pgid, libc::SIGKILL);
        libc::_exit(0)
    }
}

/// Reaps a watchdog after its group was killed (waits up to two seconds).
pub async fn reap(pid: i32) {
    for _ in 0..100 {
        // SAFETY: waitpid on our own child's pid; WNOHANG never blocks.
        let done = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        if done != 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;
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
        // Generous: on a loaded 2-core machine a shell can take seconds to start or die.
        const SLOW_MACHINE: Duration = Duration::from_secs(20);
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
        let dog = dog.expect("a watchdog");
        assert_eq!(
            unsafe { libc::getpgid(dog) },
            rank_pid,
            "the watchdog is in the group"
        );
        let started = Instant::now();
        let child: i32 = loop {
            if let Ok(s) = std::fs::read_to_string(&pid_file)
                && let Ok(p) = s.trim().parse()
            {
                break p;
            }
            assert!(started.elapsed() < SLOW_MACHINE);
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        // The job's background child is in the rank's group.
        let pgid = unsafe { libc::getpgid(child) };
        assert_eq!(pgid, rank_pid);
        // The thread that forked them ends: everything goes, the background child too.
        drop(spawner);
        let status = tokio::time::timeout(SLOW_MACHINE, rank.wait())
            .await
            .expect("the rank died with its spawner thread")
            .unwrap();
        assert!(!status.success());
        // The watchdog goes too (`reap` waits two seconds at a time; a loaded machine may
        // schedule the watchdog later than that).
        let started = Instant::now();
        loop {
            reap(dog).await;
            if !alive(dog) {
                break;
            }
            assert!(
                started.elapsed() < SLOW_MACHINE,
                "the watchdog {dog} outlived its group"
            );
        }
        let started = Instant::now();
        while alive(child) {
            assert!(
                started.elapsed() < SLOW_MACHINE,
                "the rank's child {child} outlived it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
