//! The git properties of a job (submit.md §8.1): `mlflow.source.git.repoURL`, `…branch`,
//! `…commit` and `azureml.git.dirty` from the repository of the code folder (the process's
//! working directory when the job has no local code), `azureml.git.build_id|build_uri` from the
//! environment only; `AZUREML_GIT_*` values win over git's and count outside a repository too.
//!
//! Owns the rules the SDK applies: git is asked only inside a work tree; empty values are
//! dropped; a repository URL that carries a credential (`https://user:token@…`,
//! `https://token@…`) drops URL, branch, commit and dirty, with a note saying so; nothing at all
//! is added when the job's own properties already hold one of the keys.
//!
//! Must not: hang or fail a submission — every git command has a deadline ([`GIT_TIMEOUT`])
//! and is killed past it; git missing, failing or slow means no properties from git. Must not
//! show the credential of a URL it drops (the note names the host only). Never prompts
//! (`GIT_TERMINAL_PROMPT=0`, stdin closed) and takes no lock (`GIT_OPTIONAL_LOCKS=0`).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const REPO_URL: &str = "mlflow.source.git.repoURL";
pub const BRANCH: &str = "mlflow.source.git.branch";
pub const COMMIT: &str = "mlflow.source.git.commit";
pub const DIRTY: &str = "azureml.git.dirty";
pub const BUILD_ID: &str = "azureml.git.build_id";
pub const BUILD_URI: &str = "azureml.git.build_uri";

/// Every key this module may add, in the order they are added.
pub const KEYS: [&str; 6] = [REPO_URL, BRANCH, COMMIT, DIRTY, BUILD_ID, BUILD_URI];

/// The most one git command may take.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(3);

/// The properties to add, and what the user should know about them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitInfo {
    pub properties: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// The git properties of a job whose code is in `dir`. `env` reads an environment variable
/// (`std::env::var` in the program, a map in tests); `existing` are the job's own properties.
pub fn properties(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    existing: &[(String, String)],
) -> GitInfo {
    properties_with(dir, env, existing, GIT_TIMEOUT, "git")
}

pub(crate) fn properties_with(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    existing: &[(String, String)],
    timeout: Duration,
    program: &str,
) -> GitInfo {
    let mut info = GitInfo::default();
    if existing.iter().any(|(k, _)| KEYS.contains(&k.as_str())) {
        info.notes.push(
            "git: the job's properties already hold git properties: none added (as the SDK)".into(),
        );
        return info;
    }
    let env = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // One git command that outlives its deadline ends the asking: a hanging git costs one
    // timeout, not one per property.
    let gave_up = std::cell::Cell::new(false);
    let raw = |args: &[&str]| {
        if gave_up.get() {
            return None;
        }
        let started = Instant::now();
        let out = run_git_raw(program, dir, args, timeout);
        if out.is_none() && started.elapsed() >= timeout {
            gave_up.set(true);
        }
        out
    };
    let git = |args: &[&str]| {
        raw(args)
            .and_then(|out| out.lines().next().map(|l| l.trim().to_string()))
            .filter(|l| !l.is_empty())
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"]).as_deref() == Some("true");
    let from_git = |args: &[&str]| if inside { git(args) } else { None };
    let mut url =
        env("AZUREML_GIT_REPOSITORY_URI").or_else(|| from_git(&["ls-remote", "--get-url"]));
    let mut branch =
        env("AZUREML_GIT_BRANCH").or_else(|| from_git(&["symbolic-ref", "--short", "HEAD"]));
    let mut commit = env("AZUREML_GIT_COMMIT").or_else(|| from_git(&["rev-parse", "HEAD"]));
    let mut dirty = match env("AZUREML_GIT_DIRTY") {
        Some(v) => Some(
            if matches!(v.to_ascii_lowercase().as_str(), "true" | "1") {
                "True"
            } else {
                "False"
            }
            .to_string(),
        ),
        None if inside => raw(&["status", "--porcelain", "."]).map(|out| {
            if out.trim().is_empty() {
                "False"
            } else {
                "True"
            }
            .to_string()
        }),
        None => None,
    };
    if let Some(u) = &url
        && let Some(host) = credential_host(u)
    {
        info.notes.push(format!(
            "git: the repository URL (host {host}) carries a credential: repository, branch, commit and dirty flag are not recorded"
        ));
        url = None;
        branch = None;
        commit = None;
        dirty = None;
    }
    for (key, value) in [
        (REPO_URL, url),
        (BRANCH, branch),
        (COMMIT, commit),
        (DIRTY, dirty),
        (BUILD_ID, env("AZUREML_GIT_BUILD_ID")),
        (BUILD_URI, env("AZUREML_GIT_BUILD_URI")),
    ] {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            info.properties.push((key.to_string(), v));
        }
    }
    info
}

/// The host of a URL that carries a credential, `None` for any other: over http(s) any user
/// part (`https://user:token@host/…`, `https://token@host/…`) or any query
/// (`?access_token=…`); in every scheme a password (`ssh://user:secret@host/…`). An ssh user
/// alone (`ssh://git@host/…`, `git@host:…`) names a user, not a secret.
pub fn credential_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let web = matches!(parsed.scheme(), "http" | "https");
    let carries = parsed.password().is_some()
        || (web && !parsed.username().is_empty())
        || (web && parsed.query().is_some_and(|q| !q.is_empty()));
    carries.then(|| parsed.host_str().unwrap_or("?").to_string())
}

/// `git ARGS` in `dir`: its whole output, when it exits 0 within `timeout`.
fn run_git_raw(program: &str, dir: &Path, args: &[&str], timeout: Duration) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group, so that what git starts (a credential helper, ssh) ends
        // with it when the deadline passes.
        .process_group(0)
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    // The output is read on its own thread so a full pipe never blocks the child.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                    // SAFETY: kill(2) on the process group of a child spawned above (its own
                    // group, `process_group(0)`), not reaped yet.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                }
                let _ = child.kill();
                let _ = child.wait();
                tracing::debug!(
                    ?args,
                    "git did not answer in time: no git properties from it"
                );
                return None;
            }
        }
    };
    let out = rx.recv_timeout(Duration::from_millis(500)).ok()?;
    status
        .success()
        .then(|| String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn git_available() -> bool {
        Command::new("git")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn sh(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        sh(d, &["init", "-q", "-b", "main"]);
        sh(d, &["config", "user.email", "t@example.com"]);
        sh(d, &["config", "user.name", "t"]);
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/train.py"), "print(1)\n").unwrap();
        sh(d, &["add", "."]);
        sh(d, &["commit", "-q", "-m", "one"]);
        dir
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn get<'a>(info: &'a GitInfo, key: &str) -> Option<&'a str> {
        info.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_repository_gives_url_branch_commit_and_dirty() {
        if !git_available() {
            eprintln!("git is not installed: skipped");
            return;
        }
        let dir = repo();
        let d = dir.path();
        sh(
            d,
            &["remote", "add", "origin", "https://github.com/o/r.git"],
        );
        let head = run_git_raw("git", d, &["rev-parse", "HEAD"], GIT_TIMEOUT)
            .unwrap()
            .trim()
            .to_string();
        let info = properties(&d.join("src"), &no_env, &[]);
        assert_eq!(get(&info, REPO_URL), Some("https://github.com/o/r.git"));
        assert_eq!(get(&info, BRANCH), Some("main"));
        assert_eq!(get(&info, COMMIT), Some(head.as_str()));
        assert_eq!(get(&info, DIRTY), Some("False"));
        assert!(info.notes.is_empty());
        // A changed file in the code folder: dirty.
        std::fs::write(d.join("src/train.py"), "print(2)\n").unwrap();
        let info = properties(&d.join("src"), &no_env, &[]);
        assert_eq!(get(&info, DIRTY), Some("True"));
        // No remote: no URL, the rest stays.
        sh(d, &["remote", "remove", "origin"]);
        let info = properties(&d.join("src"), &no_env, &[]);
        assert_eq!(get(&info, REPO_URL), None);
        assert_eq!(get(&info, BRANCH), Some("main"));
    }

    #[test]
    fn a_url_with_a_token_drops_the_repository_properties() {
        if !git_available() {
            eprintln!("git is not installed: skipped");
            return;
        }
        let dir = repo();
        let d = dir.path();
        for url in [
            "https://user:ghp_SECRET@github.com/o/r.git",
            "https://ghp_SECRET@github.com/o/r.git",
        ] {
            sh(d, &["remote", "add", "origin", url]);
            let info = properties(d, &no_env, &[]);
            assert!(info.properties.is_empty(), "{info:?}");
            assert_eq!(info.notes.len(), 1);
            assert!(info.notes[0].contains("github.com"), "{:?}", info.notes);
            assert!(!format!("{info:?}").contains("SECRET"));
            sh(d, &["remote", "remove", "origin"]);
        }
        // ssh names a user, not a secret.
        sh(d, &["remote", "add", "origin", "git@github.com:o/r.git"]);
        let info = properties(d, &no_env, &[]);
        assert_eq!(get(&info, REPO_URL), Some("git@github.com:o/r.git"));
    }

    #[test]
    fn environment_overrides_and_opt_out() {
        let env: HashMap<&str, &str> = [
            ("AZUREML_GIT_REPOSITORY_URI", "https://dev.azure.com/o/p"),
            ("AZUREML_GIT_BRANCH", "release"),
            ("AZUREML_GIT_COMMIT", "abc123"),
            ("AZUREML_GIT_DIRTY", "1"),
            ("AZUREML_GIT_BUILD_ID", "42"),
            ("AZUREML_GIT_BUILD_URI", " "),
        ]
        .into_iter()
        .collect();
        let lookup = |k: &str| env.get(k).map(|v| v.to_string());
        // Outside any repository, the environment still counts.
        let dir = tempfile::tempdir().unwrap();
        let info = properties(dir.path(), &lookup, &[]);
        assert_eq!(
            info.properties,
            [
                (
                    REPO_URL.to_string(),
                    "https://dev.azure.com/o/p".to_string()
                ),
                (BRANCH.into(), "release".into()),
                (COMMIT.into(), "abc123".into()),
                (DIRTY.into(), "True".into()),
                (BUILD_ID.into(), "42".into()),
            ]
        );
        let own = [(COMMIT.to_string(), "mine".to_string())];
        let info = properties(dir.path(), &lookup, &own);
        assert!(info.properties.is_empty());
    }

    #[test]
    fn a_hanging_or_missing_git_gives_nothing_in_time() {
        let dir = tempfile::tempdir().unwrap();
        // A "git" that hangs: one deadline, then nothing more is asked.
        let fake = dir.path().join("git");
        // A child of the fake (not exec'd) must end with it: the whole group is killed.
        let marker = dir.path().join("still-running");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\n(sleep 1; touch '{}') &\nsleep 30\n",
                marker.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = Instant::now();
        let info = properties_with(
            dir.path(),
            &no_env,
            &[],
            Duration::from_millis(300),
            fake.to_str().unwrap(),
        );
        assert!(info.properties.is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !marker.exists(),
            "a process the fake git started outlived the deadline"
        );
        // No git at all.
        let info = properties_with(dir.path(), &no_env, &[], GIT_TIMEOUT, "/nonexistent/git");
        assert!(info.properties.is_empty());
        assert_eq!(credential_host("not a url"), None);
        assert_eq!(credential_host("ssh://git@h/r"), None);
        assert_eq!(
            credential_host("https://t@h.example/r").as_deref(),
            Some("h.example")
        );
        assert_eq!(credential_host("https://h.example/o/r.git"), None);
        for secret in [
            "ssh://u:secret@h.example/r",
            "ftps://u:secret@h.example/r",
            "https://h.example/r.git?access_token=secret",
        ] {
            assert_eq!(
                credential_host(secret).as_deref(),
                Some("h.example"),
                "{secret}"
            );
        }
    }
}
