//! The runtime's side of local runs (`compute: local`, `submit::local`): the job list with
//! the local runs added, a local run's details from its folder, following and saving its log,
//! each read off the async threads (`spawn_blocking`). Answers reach the app as the remote
//! ones do (`Msg::Loaded`, `Msg::Logs`), so `App::update` treats a local run as any job.
//!
//! Must not: read the command or the environment of a run; block an async thread on disk.

use super::FollowId;
use super::{
    AppError, DataSource, FileSelect, LogEvent, Msg, SaveError, SaveReport, SourceData, SourceKey,
};
use crate::submit::local::{LOG_FILE, LocalRun, LocalRuns};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// The local run `name` of `local`, read off the async threads.
pub(super) async fn local_run(local: Option<&LocalRuns>, name: &str) -> Option<LocalRun> {
    let local = local?.clone();
    let name = name.to_string();
    tokio::task::spawn_blocking(move || local.get(&name))
        .await
        .ok()
        .flatten()
}

/// A fetch, with the local runs added to the job list and a local run's details read from its
/// folder.
pub(super) async fn fetch_with_local<S: DataSource>(
    source: &S,
    key: SourceKey,
    local: Option<LocalRuns>,
) -> Result<SourceData, AppError> {
    let Some(local) = local else {
        return source.fetch(key).await;
    };
    match key {
        SourceKey::RunDetails(job) => match local_run(Some(&local), &job).await {
            Some(run) => Ok(SourceData::RunDetails(Box::new(run.run_details()))),
            None => source.fetch(SourceKey::RunDetails(job)).await,
        },
        SourceKey::Jobs => {
            let data = source.fetch(SourceKey::Jobs).await?;
            let SourceData::Jobs(mut jobs) = data else {
                return Ok(data);
            };
            let runs = tokio::task::spawn_blocking(move || local.list())
                .await
                .unwrap_or_default();
            crate::submit::local::merge_jobs(
                &mut jobs,
                runs.iter().map(LocalRun::to_job).collect(),
            );
            Ok(SourceData::Jobs(jobs))
        }
        other => source.fetch(other).await,
    }
}

/// Whether `select` names a local run's one log (rank 0's `user_logs/std_log.txt`).
fn local_select_ok(select: &FileSelect) -> bool {
    match select {
        FileSelect::Default | FileSelect::AllRanks | FileSelect::Rank(0) => true,
        FileSelect::File(f) => f == LOG_FILE,
        FileSelect::Rank(_) => false,
    }
}

fn local_select_error() -> AppError {
    AppError::new(
        crate::azure::error::ErrorKind::NotFound,
        format!("a local run has one log file, {LOG_FILE} (rank 0)"),
        "choose rank 0 or all ranks",
    )
}

/// Follows a local run's log as `follow_logs` follows a remote run's: each batch with news
/// as `Msg::Logs`, until the run ended, `cancel` fires or the app is gone.
pub(super) async fn follow_local(
    id: FollowId,
    local: LocalRuns,
    job: String,
    select: FileSelect,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) {
    if !local_select_ok(&select) {
        let _ = tx.send(Msg::Logs {
            id,
            event: LogEvent::Error(local_select_error()),
        });
        return;
    }
    let mut follower = crate::logs::LocalFollower::new(local, job);
    let mut last_status = String::new();
    loop {
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            result = follower.next() => result,
        };
        match result {
            Ok(batch) => {
                if !super::forward_batch(&tx, id, batch, &mut last_status) {
                    return;
                }
            }
            Err(e) => {
                let error = AppError::new(
                    crate::azure::error::ErrorKind::Other,
                    e.to_string(),
                    "the local run's folder cannot be read; amlc tries again",
                );
                if tx
                    .send(Msg::Logs {
                        id,
                        event: LogEvent::Error(error),
                    })
                    .is_err()
                {
                    return;
                }
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }
}

/// Saves a local run's log to `path` as `save_logs` saves a remote run's: through a temporary
/// file renamed at the end; each line prefixed `[0] ` for all ranks.
pub(super) async fn save_local(
    run: LocalRun,
    select: FileSelect,
    path: PathBuf,
    overwrite: bool,
) -> Result<SaveReport, SaveError> {
    if !local_select_ok(&select) {
        return Err(SaveError::Failed(local_select_error()));
    }
    if !overwrite && path.exists() {
        return Err(SaveError::Exists(path));
    }
    let prefixed = select == FileSelect::AllRanks;
    tokio::task::spawn_blocking(move || save_local_blocking(&run, prefixed, path, overwrite))
        .await
        .unwrap_or_else(|e| {
            Err(SaveError::Failed(AppError::new(
                crate::azure::error::ErrorKind::Other,
                format!("the save stopped: {e}"),
                "save again",
            )))
        })
}

fn save_local_blocking(
    run: &LocalRun,
    prefixed: bool,
    path: PathBuf,
    overwrite: bool,
) -> Result<SaveReport, SaveError> {
    use std::io::{BufRead, Write};
    let fail = |what: String| {
        SaveError::Failed(AppError::new(
            crate::azure::error::ErrorKind::Other,
            format!("nothing saved to {}: {what}", path.display()),
            "choose another path (s), one in a directory you can write",
        ))
    };
    let log = run.log_path();
    let input = std::fs::File::open(&log).map_err(|e| fail(format!("{}: {e}", log.display())))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".amlc-save-")
        .tempfile_in(&dir)
        .map_err(|e| fail(e.to_string()))?;
    let mut out = std::io::BufWriter::new(temp.as_file());
    let mut reader = std::io::BufReader::new(input);
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| fail(format!("{}: {e}", log.display())))?;
        if n == 0 {
            break;
        }
        if prefixed {
            out.write_all(b"[0] ").map_err(|e| fail(e.to_string()))?;
            bytes += 4;
        }
        out.write_all(&line).map_err(|e| fail(e.to_string()))?;
        bytes += n as u64;
        if prefixed && line.last() != Some(&b'\n') {
            out.write_all(b"\n").map_err(|e| fail(e.to_string()))?;
            bytes += 1;
        }
        lines += 1;
    }
    out.flush().map_err(|e| fail(e.to_string()))?;
    drop(out);
    let placed = if overwrite {
        temp.persist(&path).map(|_| ())
    } else {
        temp.persist_noclobber(&path).map(|_| ())
    };
    placed.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            SaveError::Exists(path.clone())
        } else {
            fail(e.error.to_string())
        }
    })?;
    Ok(SaveReport {
        path,
        lines,
        bytes,
        how: "copied from the local run's folder".to_owned(),
    })
}
