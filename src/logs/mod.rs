//! Tailing a run's log files and keeping their lines (issue 10, items 2 and 3): splitting bytes
//! into lines ([`split`]), a bounded searchable line store ([`store`]), the pure offset and
//! cadence logic of tailing ([`tail`]) and the async follower of a run over the client
//! ([`follow`]), and the follower of a local run's log file ([`local`], same batches). Also how
//! Azure names log files by rank ([`rank_of`], [`LogKind`]).
//!
//! No terminal code here (views live in `ui/`, printing in `commands/`), and no I/O outside
//! `follow.rs`, which reads only through `crate::azure::AmlClient`, and `local.rs`, which reads
//! only a local run's folder.

pub mod follow;
pub mod local;
pub mod split;
pub mod store;
pub mod tail;

pub use follow::{Batch, FileSelect, Follower};
pub use local::LocalFollower;
pub use split::{Line, LineSplitter, MAX_LINE};
pub use store::{DEFAULT_BUDGET, LineStore, StoredLine};
pub use tail::{Applied, Cadence, FileTail, RunTail};

/// What a log file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// A process's standard output and error: `user_logs/std_log_process_<rank>.txt` (also
    /// `user_logs/std_log.txt` = rank 0, `user_logs/std_log_node_<n>_process_<rank>.txt`, and
    /// the v1 `azureml-logs/70_driver_log_<rank>.txt`).
    Rank { rank: u32, node: Option<u32> },
    /// Another file under `user_logs/`.
    User,
    /// Anything else (`system_logs/…`, `azureml-logs/…`): the service's own logs.
    System,
}

/// What the file `name` holds.
pub fn log_kind(name: &str) -> LogKind {
    if let Some((rank, node)) = parse_rank(name) {
        return LogKind::Rank { rank, node };
    }
    if name.starts_with("user_logs/") {
        LogKind::User
    } else {
        LogKind::System
    }
}

/// The rank whose output the file `name` holds, if it is a rank's std log.
pub fn rank_of(name: &str) -> Option<u32> {
    parse_rank(name).map(|(rank, _)| rank)
}

/// A short label for a line prefix: `rank 3`, `node 1 rank 3`, else the file name without
/// its directory and `.txt`.
pub fn label(name: &str) -> String {
    match log_kind(name) {
        LogKind::Rank {
            rank,
            node: Some(node),
        } => format!("node {node} rank {rank}"),
        LogKind::Rank { rank, node: None } => format!("rank {rank}"),
        _ => {
            let base = name.rsplit('/').next().unwrap_or(name);
            base.strip_suffix(".txt").unwrap_or(base).to_owned()
        }
    }
}

/// The prefix of a line of `name` in a merged view of every rank: `[rank]`, `[node/rank]`,
/// else `[label]` for a file of no rank (the TUI, its saves and `amlc logs` all write this).
pub fn prefix(name: &str) -> String {
    match log_kind(name) {
        LogKind::Rank {
            rank,
            node: Some(node),
        } => format!("[{node}/{rank}]"),
        LogKind::Rank { rank, node: None } => format!("[{rank}]"),
        _ => format!("[{}]", label(name)),
    }
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// (rank, node) of a rank's std log.
fn parse_rank(name: &str) -> Option<(u32, Option<u32>)> {
    if let Some(base) = name.strip_prefix("user_logs/") {
        let stem = base.strip_suffix(".txt")?.strip_prefix("std_log")?;
        if stem.is_empty() {
            return Some((0, None));
        }
        if let Some(n) = stem.strip_prefix("_process_") {
            return number(n).map(|r| (r, None));
        }
        if let Some(rest) = stem.strip_prefix("_node_") {
            let (node, process) = rest.split_once("_process_")?;
            return Some((number(process)?, Some(number(node)?)));
        }
        return None;
    }
    let base = name.strip_prefix("azureml-logs/")?.strip_suffix(".txt")?;
    let rest = base.strip_prefix("70_driver_log")?;
    if rest.is_empty() {
        return Some((0, None));
    }
    number(rest.strip_prefix('_')?).map(|r| (r, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_from_azure_file_names() {
        assert_eq!(rank_of("user_logs/std_log_process_0.txt"), Some(0));
        assert_eq!(rank_of("user_logs/std_log_process_12.txt"), Some(12));
        assert_eq!(rank_of("user_logs/std_log_process_03.txt"), Some(3));
        assert_eq!(rank_of("user_logs/std_log.txt"), Some(0));
        assert_eq!(
            log_kind("user_logs/std_log_node_1_process_5.txt"),
            LogKind::Rank {
                rank: 5,
                node: Some(1)
            }
        );
        assert_eq!(rank_of("azureml-logs/70_driver_log_2.txt"), Some(2));
        assert_eq!(rank_of("azureml-logs/70_driver_log.txt"), Some(0));
        for other in [
            "user_logs/std_log_process_.txt",
            "user_logs/std_log_process_x.txt",
            "user_logs/std_log_process_-1.txt",
            "user_logs/std_log_process_99999999999.txt",
            "user_logs/std_log_process_1.log",
            "user_logs/std_log_node__process_1.txt",
            "user_logs/std_log_node_1.txt",
            "user_logs/std_logs.txt",
            "system_logs/lifecycler/execution-wrapper.txt",
            "std_log_process_0.txt",
            "",
        ] {
            assert_eq!(rank_of(other), None, "{other}");
        }
        assert_eq!(log_kind("user_logs/std_log_process_x.txt"), LogKind::User);
        assert_eq!(log_kind("user_logs/other.txt"), LogKind::User);
        assert_eq!(
            log_kind("system_logs/cs_capability/cs-capability.log"),
            LogKind::System
        );
        assert_eq!(log_kind("azureml-logs/55_azureml.txt"), LogKind::System);
    }

    #[test]
    fn labels() {
        assert_eq!(label("user_logs/std_log_process_3.txt"), "rank 3");
        assert_eq!(
            label("user_logs/std_log_node_1_process_3.txt"),
            "node 1 rank 3"
        );
        assert_eq!(label("system_logs/lifecycler/execution.txt"), "execution");
        assert_eq!(label("plain"), "plain");
    }
}
