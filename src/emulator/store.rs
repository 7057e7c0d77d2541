//! Crash-safe files in the emulator's data directory: `state.json` (the whole [`World`]), the
//! bearer token (`token`), the blob-signing key (`blob.key`), the base URL of the running emulator
//! (`url`), and the `lock` file whose exclusive `flock` makes one emulator the sole owner of the
//! directory. Every write goes to a temporary file in the same directory, is fsynced, renamed over
//! the target and the directory fsynced, so a SIGKILL at any point leaves either the old or the new
//! file. Files are created with mode 0600 and directories 0700. This module never logs file
//! contents (they hold secrets).

use super::model::World;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// Creates `dir` (and parents) with mode 0700 if missing.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `bytes` to `path` atomically with mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    // Nothing is created: a data directory removed under a running emulator (a test's temporary
    // directory) is never re-created by a late write; the write fails instead.
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} does not exist", dir.display()),
        ));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TMP_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `path` and its missing parents for a job's files under `<data>/runs/`, but only while
/// the data directory itself exists: a removed data directory is never re-created.
pub fn create_run_dir(path: &Path) -> io::Result<()> {
    let root = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "runs"))
        .and_then(Path::parent);
    if let Some(root) = root
        && !root.is_dir()
    {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("the data directory {} is gone", root.display()),
        ));
    }
    fs::create_dir_all(path)
}

/// Reads a secret file, making sure it is not readable by others.
/// Whether `path` is readable by this user only (mode without group/other bits, our owner).
/// A secret that was readable by others may have leaked: it is replaced, not reused.
pub fn private_to_us(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|m| {
        // SAFETY: geteuid cannot fail and touches no memory.
        m.mode() & 0o077 == 0 && m.uid() == unsafe { libc::geteuid() }
    })
}

pub fn read_secret(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => {
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
            Ok(Some(bytes))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub struct Paths {
    pub root: PathBuf,
}

impl Paths {
    pub fn state(&self) -> PathBuf {
        self.root.join("state.json")
    }
    pub fn token(&self) -> PathBuf {
        self.root.join("token")
    }
    pub fn blob_key(&self) -> PathBuf {
        self.root.join("blob.key")
    }
    /// The file whose `flock` marks the directory as in use by a live emulator.
    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }
    /// The base URL of the live emulator (written once it listens, removed at shutdown).
    pub fn url(&self) -> PathBuf {
        self.root.join("url")
    }
    /// The process id of the live emulator (written with `url`, removed at shutdown).
    pub fn pid(&self) -> PathBuf {
        self.root.join("pid")
    }
    /// The port the last emulator listened on, tried first by the next one (kept at shutdown).
    pub fn last_port(&self) -> PathBuf {
        self.root.join("port")
    }
    pub fn tls_dir(&self) -> PathBuf {
        self.root.join("tls")
    }
    /// The working directory of a job (its logs are under `user_logs/` inside it).
    pub fn run_dir(&self, workspace_id: &str, job_name: &str) -> PathBuf {
        self.root.join("runs").join(workspace_id).join(job_name)
    }
}

/// An exclusive `flock` on a file, held until this value is dropped (or the process dies, which
/// the kernel treats the same). The descriptor is close-on-exec, so job processes never inherit
/// it.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// The outcome of trying to take a lock without waiting.
pub enum LockAttempt {
    Acquired(DirLock),
    /// Another open file description (in this or another process) holds it.
    Busy,
}

/// Takes an exclusive, non-blocking `flock` on `path` (created with mode 0600 if missing).
pub fn try_lock(path: &Path) -> io::Result<LockAttempt> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    loop {
        // SAFETY: flock only operates on the descriptor, which `file` keeps open for the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(LockAttempt::Acquired(DirLock { _file: file }));
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(code) if code == libc::EWOULDBLOCK || code == libc::EAGAIN => {
                return Ok(LockAttempt::Busy);
            }
            _ => return Err(err),
        }
    }
}

/// Whether some open file description holds an exclusive `flock` on `path`, asked without ever
/// taking it exclusively: a shared probe conflicts only with an exclusive holder and is released
/// at once. A missing file means nobody holds it.
pub fn is_locked(path: &Path) -> bool {
    let Ok(file) = OpenOptions::new().read(true).open(path) else {
        return false;
    };
    loop {
        // SAFETY: as in `try_lock`; the shared lock is released when `file` is closed below.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
        if rc == 0 {
            return false;
        }
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(code) => return code == libc::EWOULDBLOCK || code == libc::EAGAIN,
            None => return false,
        }
    }
}

/// Loads `state.json`; a missing file is an empty world, a corrupt one an error (never silently
/// discarded).
pub fn load_world(path: &Path) -> Result<World, String> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not a valid emulator state: {e}", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(World::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("f.json");
        // A missing directory is an error, never created by a write.
        assert!(write_atomic(&p, b"one").is_err());
        assert!(!dir.path().join("sub").exists());
        ensure_dir(&dir.path().join("sub")).unwrap();
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn run_dirs_are_not_created_once_the_data_dir_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        ensure_dir(&data).unwrap();
        let run = data.join("runs").join("ws").join("job").join("user_logs");
        create_run_dir(&run).unwrap();
        assert!(run.is_dir());
        fs::remove_dir_all(&data).unwrap();
        assert!(create_run_dir(&run).is_err());
        assert!(!data.exists());
    }

    #[test]
    fn corrupt_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        assert!(load_world(&p).unwrap().workspaces.is_empty());
        fs::write(&p, b"{not json").unwrap();
        assert!(load_world(&p).is_err());
    }
}
