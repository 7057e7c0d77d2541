//! `amlc logs NAME [--follow] [--rank N | --all-ranks] [--file NAME]` and its alias `amlc jobs
//! stream NAME` (= `logs --follow --all-ranks`, for users of `az ml job stream`): a run's log
//! lines printed as they arrive, on the tailing core of `crate::logs` (this module does no
//! byte-range reading of its own). With `--all-ranks` each line carries its rank (`[1] `),
//! coloured only when stdout is a terminal and `NO_COLOR` is unset; off a terminal the lines
//! are written as the job wrote them (no decoration, no escaping) so they pipe into grep, and
//! on a terminal control characters are shown escaped, never sent raw. Lines go through one
//! buffered writer flushed after each batch; a reader that closes the pipe ends the command
//! quietly (see `commands::DataOut`).
//!
//! Exit codes: without `--follow`, 0 once what is there now is printed (a running job is not
//! followed). With `--follow`, the command ends with the run: 0 Completed, 1 Failed (the run's
//! error on stderr, cause first) or another unsuccessful end, 3 Canceled; 130 on Ctrl-C
//! (quietly). 1 also for a `--file` or `--rank` the run does not have (its files are named).
//! 2 is clap's usage error. 429s, 5xx and dropped connections are ridden out (the tail resumes
//! from its offsets). The waiting note for a job that has not started goes to stderr, on a
//! terminal only. `AMLC_LOG_POLL_MS=fast,active,max` overrides the poll intervals (tests).

use super::terminal_safe;
use crate::azure::error::{AzureError, ErrorKind};
use crate::azure::models::{JobStatus, RunDetails};
use crate::cli::LogsArgs;
use crate::connect::Connection;
use crate::logs::{Cadence, FileSelect, Follower, LogKind, log_kind, rank_of};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// Exit code of a followed run that was canceled.
pub const EXIT_CANCELED: u8 = 3;

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogStyle {
    /// Each line prefixed with its rank (`--all-ranks`).
    pub prefix: bool,
    /// The prefix coloured (stdout is a terminal, `NO_COLOR` unset).
    pub color: bool,
    /// stdout is a terminal: control characters are escaped.
    pub terminal: bool,
}

impl LogStyle {
    /// The style for stdout as it is now.
    pub fn for_stdout(prefix: bool) -> LogStyle {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        LogStyle {
            prefix,
            color: terminal && !no_color,
            terminal,
        }
    }
}

/// What one poll of the tail brought.
#[derive(Debug, Default)]
pub struct Got {
    /// `(file name, line without its newline)`, in order per file.
    pub lines: Vec<(Arc<str>, Vec<u8>)>,
    /// The run's status, when known.
    pub status: Option<JobStatus>,
    /// The run ended and the last bytes of every file were read.
    pub ended: bool,
    /// The poll stopped at a cap: more bytes are waiting now.
    pub more: bool,
    /// Files given up (their reads failed for good), with why; the others go on.
    pub failed_files: Vec<(String, String)>,
}

/// A source of log lines: the tailing core, behind one method so the printing and exit logic
/// is tested apart from it.
#[async_trait::async_trait]
pub trait LineSource: Send {
    /// The next lines (waiting for the next poll as the source decides). After an error the
    /// source resumes where it was: no line lost or repeated.
    async fn next(&mut self) -> Result<Got, AzureError>;

    /// The run details last read, if the source keeps them (for the run's error at the end).
    fn details(&self) -> Option<&RunDetails> {
        None
    }

    /// The files followed and the files the run lists (to say what a selection missed).
    fn files(&self) -> (Vec<String>, Vec<String>) {
        (Vec::new(), Vec::new())
    }

    /// Requests and bytes fetched, for the log file.
    fn stats(&self) -> Option<String> {
        None
    }
}

/// A follower's batch as printed lines: each line's exact bytes when the follower kept them (see
/// `open`), else its text, and a cut one said as cut, never silently.
impl From<crate::logs::Batch> for Got {
    fn from(batch: crate::logs::Batch) -> Got {
        Got {
            lines: batch
                .lines
                .into_iter()
                .map(|(file, line)| {
                    let bytes = match line.raw {
                        Some(raw) => raw.into_vec(),
                        None if line.cut => {
                            format!("{} [… cut: a line of {} bytes]", line.text, line.len)
                                .into_bytes()
                        }
                        None => line.text.into_bytes(),
                    };
                    (file, bytes)
                })
                .collect(),
            status: (!batch.status.is_empty()).then(|| JobStatus::parse(&batch.status)),
            ended: batch.ended,
            more: batch.more,
            failed_files: batch.failed_files,
        }
    }
}

/// The tailing core as a line source.
struct Followed(Follower);

#[async_trait::async_trait]
impl LineSource for Followed {
    async fn next(&mut self) -> Result<Got, AzureError> {
        Ok(Got::from(self.0.next().await?))
    }

    fn details(&self) -> Option<&RunDetails> {
        self.0.details()
    }

    fn files(&self) -> (Vec<String>, Vec<String>) {
        (self.0.files(), self.0.listed_files())
    }

    fn stats(&self) -> Option<String> {
        Some(format!("{:?}", self.0.stats()))
    }
}

/// What `--rank`, `--all-ranks` and `--file` select (rank 0 by default).
pub fn selection(args: &LogsArgs) -> FileSelect {
    match (&args.file, args.rank, args.all_ranks) {
        (Some(file), _, _) => FileSelect::File(file.clone()),
        (None, Some(rank), _) => FileSelect::Rank(rank),
        (None, None, true) => FileSelect::AllRanks,
        (None, None, false) => FileSelect::Default,
    }
}

/// The poll intervals (ms) of `amlc logs`: `AMLC_LOG_POLL_MS=fast,active,max` overrides the
/// tailing core's defaults (tests against a sped-up emulator).
fn cadence() -> Cadence {
    let parsed = std::env::var("AMLC_LOG_POLL_MS").ok().and_then(|v| {
        let n: Vec<u64> = v
            .split(',')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        match n[..] {
            [fast, active, max] if fast > 0 => Some(Cadence::with_intervals(fast, active, max)),
            _ => None,
        }
    });
    parsed.unwrap_or_default()
}

/// ANSI colours cycled over ranks (never black or white, readable on dark and light).
const COLOURS: [u8; 6] = [36, 33, 35, 32, 34, 31];

/// The colour of a file's prefix: by rank, and by node too, so node 0 rank 1 and node 1 rank 1
/// differ.
fn colour_of(file: &str) -> u8 {
    let n = match log_kind(file) {
        LogKind::Rank { rank, node } => {
            (rank as usize).wrapping_add(node.unwrap_or(0) as usize * 5)
        }
        _ => rank_of(file).unwrap_or(0) as usize,
    };
    COLOURS[n % COLOURS.len()]
}

/// Writes lines in the given style (no flush).
pub fn write_lines(
    out: &mut dyn Write,
    lines: &[(Arc<str>, Vec<u8>)],
    style: LogStyle,
) -> std::io::Result<()> {
    for (file, line) in lines {
        if style.prefix {
            let prefix = crate::logs::prefix(file);
            if style.color {
                write!(out, "\x1b[{}m{prefix}\x1b[0m ", colour_of(file))?;
            } else {
                write!(out, "{prefix} ")?;
            }
        }
        if style.terminal {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            out.write_all(terminal_safe(&String::from_utf8_lossy(line)).as_bytes())?;
        } else {
            // What the job wrote, byte for byte (a `\r` before the newline included).
            out.write_all(line)?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Whether a failed poll is worth another try while following (the source resumes from its
/// offsets): throttling, timeouts, dropped connections, 5xx.
fn transient(e: &AzureError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Network | ErrorKind::Service
    )
}

/// How many transient failures in a row are tolerated while following before giving up (the
/// source backs off up to its longest interval, so a few minutes).
const MAX_FAILURES_IN_A_ROW: u32 = 40;
/// The same without `--follow`: a short outage is ridden out, a long one reported.
const MAX_FAILURES_NOT_FOLLOWING: u32 = 5;

/// How the printing loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Not following: what was there is printed.
    Printed,
    /// The run ended with this status.
    Run(Option<JobStatus>),
    /// The reader closed the pipe.
    Closed,
}

/// Prints what `source` brings until it says the run ended (or, without `follow`, until a
/// poll brings nothing new). `waiting` is told once when the run has not started.
pub async fn pump(
    source: &mut dyn LineSource,
    follow: bool,
    style: LogStyle,
    out: &mut dyn Write,
    waiting: &mut dyn FnMut(&JobStatus),
) -> Result<Ended, AzureError> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut failures = 0u32;
    let max_failures = if follow {
        MAX_FAILURES_IN_A_ROW
    } else {
        MAX_FAILURES_NOT_FOLLOWING
    };
    let mut said_waiting = false;
    let mut printed_any = false;
    let mut run_seen = false;
    loop {
        let got = match source.next().await {
            Ok(got) => {
                failures = 0;
                run_seen |= got.status.is_some();
                got
            }
            // Run history may not know a just-submitted job yet: while following, its 404
            // is waited out like the job's start.
            Err(e)
                if (transient(&e) || follow && !run_seen && e.kind() == ErrorKind::NotFound)
                    && failures < max_failures =>
            {
                // The source resumes from its offsets and backs off by itself.
                failures += 1;
                tracing::debug!("logs: poll failed ({e}); trying again");
                continue;
            }
            Err(e) => return Err(e),
        };
        let wrote = write_lines(&mut out, &got.lines, style).and_then(|_| out.flush());
        if let Err(e) = wrote {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(Ended::Closed);
            }
            return Err(AzureError::Invalid(format!(
                "cannot write the log lines: {e}"
            )));
        }
        printed_any |= !got.lines.is_empty();
        for (file, why) in &got.failed_files {
            // One file given up does not stop the others: said once, on stderr.
            eprintln!(
                "amlc: {}: cannot read it any more ({}); the other files go on",
                terminal_safe(file),
                terminal_safe(why)
            );
        }
        if got.ended {
            return Ok(Ended::Run(got.status));
        }
        if !follow {
            // What is there now: a terminal run is read to its end (`ended` above); an
            // active one stops at the first poll that did not have to leave bytes for the
            // next (a poll reads a few capped ranges per file), so a run that keeps writing
            // does not keep the command going.
            // A terminal run is read until the tail says it ended, however many polls bring
            // no complete line (a line longer than one poll's reads spans several).
            let terminal = got.status.as_ref().is_some_and(|s| s.is_terminal());
            if terminal {
                continue;
            }
            // An active run: what is there now, i.e. until a poll that did not stop at a cap.
            if !got.more {
                return Ok(Ended::Printed);
            }
            continue;
        }
        if follow
            && !printed_any
            && !said_waiting
            && let Some(status) = &got.status
            && !matches!(status, JobStatus::Running | JobStatus::Finalizing)
            && !status.is_terminal()
        {
            said_waiting = true;
            waiting(status);
        }
    }
}

/// The exit code (and the message on stderr) for a followed run that ended with `status`.
async fn exit_for(
    conn: &Connection,
    name: &str,
    status: Option<JobStatus>,
    last: Option<&RunDetails>,
    notes: &mut dyn Write,
) -> std::io::Result<ExitCode> {
    let shown = terminal_safe(name);
    Ok(match status {
        Some(JobStatus::Completed) => ExitCode::SUCCESS,
        Some(JobStatus::Canceled) => {
            writeln!(notes, "amlc: job {shown} was canceled")?;
            ExitCode::from(EXIT_CANCELED)
        }
        other => {
            let status = other
                .map(|s| s.to_string())
                .unwrap_or_else(|| "Unknown".into());
            // The run's error, cause first (`CODE: message`), from the details the tail read
            // last, else read again.
            let error = match last.and_then(RunDetails::error_summary) {
                Some(error) => Some(error),
                None => match conn.client.run_details(name).await {
                    Ok(details) => details.error_summary(),
                    Err(e) => Some(format!(
                        "(its error could not be read: {})",
                        super::with_advice(&e)
                    )),
                },
            };
            match error {
                Some(error) => writeln!(
                    notes,
                    "amlc: {} (job {shown} {})",
                    terminal_safe(&error),
                    terminal_safe(&status)
                )?,
                None => writeln!(notes, "amlc: job {shown} {}", terminal_safe(&status))?,
            }
            ExitCode::FAILURE
        }
    })
}

/// The tail of job `args.name` for the selection of `args` (rank 0 by default).
pub async fn open(conn: &Connection, args: &LogsArgs) -> color_eyre::Result<Box<dyn LineSource>> {
    // Reading the job first: an unknown job is a clear 404 before anything else.
    conn.client.get_job(&args.name).await?;
    // Lines keep their exact bytes, so output into a pipe or a file is what the job wrote
    // (invalid UTF-8 and lines over 64 KiB included); a terminal gets them made safe.
    Ok(Box::new(Followed(
        Follower::with_cadence(
            conn.client.clone(),
            args.name.clone(),
            selection(args),
            cadence(),
        )
        .keep_raw(),
    )))
}

/// `amlc logs`: prints the selected logs of job `args.name` as [`pump`] does, then exits as
/// the module header says. `source` is the tail for this job and selection.
pub async fn run(
    conn: &Connection,
    args: &LogsArgs,
    source: &mut dyn LineSource,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let style = LogStyle::for_stdout(args.all_ranks);
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let live_notes = std::io::stderr().is_terminal();
    let name = terminal_safe(&args.name);
    let ended = {
        // Said at once (the lines follow as soon as they appear), on a terminal only.
        let mut waiting = |status: &JobStatus| {
            if live_notes {
                let _ = writeln!(
                    notes,
                    "amlc: job {name} is {status}; waiting for its logs (Ctrl-C to stop)"
                );
                let _ = notes.flush();
            }
        };
        let pumping = pump(source, args.follow, style, out, &mut waiting);
        tokio::select! {
            ended = pumping => Some(ended),
            _ = sigint.recv() => None,
        }
    };
    if let Some(stats) = source.stats() {
        tracing::info!(job = %name, %stats, "logs: done");
    }
    // An explicit --file or --rank that the run does not have is said, not printed as nothing.
    let (followed, listed) = source.files();
    let asked = match (&args.file, args.rank) {
        (Some(file), _) => Some(format!("no log file {}", terminal_safe(file))),
        (None, Some(rank)) => Some(format!("no log of rank {rank}")),
        _ => None,
    };
    if let (Some(asked), Some(Ok(Ended::Printed | Ended::Run(_)))) = (&asked, &ended)
        && followed.is_empty()
        && !listed.is_empty()
    {
        let listed: Vec<String> = listed.iter().map(|f| terminal_safe(f)).collect();
        writeln!(
            notes,
            "amlc: job {name} has {asked}; its log files: {}",
            listed.join(", ")
        )?;
        return Ok(ExitCode::FAILURE);
    }
    match ended {
        None => Ok(ExitCode::from(super::actions::EXIT_INTERRUPTED)),
        Some(Ok(Ended::Closed)) | Some(Ok(Ended::Printed)) => Ok(ExitCode::SUCCESS),
        Some(Ok(Ended::Run(status))) if args.follow => {
            Ok(exit_for(conn, &args.name, status, source.details(), notes).await?)
        }
        Some(Ok(Ended::Run(_))) => Ok(ExitCode::SUCCESS),
        Some(Err(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lines(items: &[(&str, &str)]) -> Vec<(Arc<str>, Vec<u8>)> {
        items
            .iter()
            .map(|(f, l)| (Arc::<str>::from(*f), l.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn prefixes_colours_and_escapes() {
        let l = lines(&[
            ("user_logs/std_log_process_0.txt", "a\tb"),
            ("user_logs/std_log_process_1.txt", "x\u{1b}[2Jy"),
        ]);
        let mut plain = Vec::new();
        write_lines(&mut plain, &l, LogStyle::default()).unwrap();
        assert_eq!(plain, b"a\tb\nx\x1b[2Jy\n");
        let mut piped = Vec::new();
        let style = LogStyle {
            prefix: true,
            ..LogStyle::default()
        };
        write_lines(&mut piped, &l, style).unwrap();
        assert_eq!(piped, b"[0] a\tb\n[1] x\x1b[2Jy\n");
        let mut tty = Vec::new();
        let style = LogStyle {
            prefix: true,
            color: true,
            terminal: true,
        };
        write_lines(&mut tty, &l, style).unwrap();
        assert_eq!(
            String::from_utf8(tty).unwrap(),
            "\x1b[36m[0]\x1b[0m a    b\n\x1b[33m[1]\x1b[0m x\\u{1b}[2Jy\n"
        );
    }

    struct Script(std::collections::VecDeque<Result<Got, AzureError>>);

    #[async_trait::async_trait]
    impl LineSource for Script {
        async fn next(&mut self) -> Result<Got, AzureError> {
            self.0.pop_front().unwrap_or_else(|| {
                Ok(Got {
                    ended: true,
                    status: Some(JobStatus::Completed),
                    ..Got::default()
                })
            })
        }
    }

    #[tokio::test]
    async fn without_follow_a_running_job_stops_at_what_is_there() {
        let f = "user_logs/std_log_process_0.txt";
        let running = |line: &str, more: bool| {
            Ok(Got {
                lines: lines(&[(f, line)]),
                status: Some(JobStatus::Running),
                more,
                ..Got::default()
            })
        };
        let mut source = Script(vec![running("now", false), running("later", false)].into());
        let mut out = Vec::new();
        let ended = pump(
            &mut source,
            false,
            LogStyle::default(),
            &mut out,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(ended, Ended::Printed);
        assert_eq!(out, b"now\n");
        // A poll that stopped at its cap goes on to the rest.
        let big = "x".repeat(1 << 20);
        let mut source = Script(
            vec![
                running(&big, true),
                running("rest", false),
                running("later", false),
            ]
            .into(),
        );
        let mut out = Vec::new();
        pump(
            &mut source,
            false,
            LogStyle::default(),
            &mut out,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(out.len(), big.len() + "\nrest\n".len());
    }

    #[tokio::test]
    async fn transient_errors_are_retried_while_following_and_waiting_is_said_once() {
        let f = "user_logs/std_log_process_0.txt";
        let queued = || Got {
            status: Some(JobStatus::Queued),
            ..Got::default()
        };
        let mut source = Script(
            vec![
                Ok(queued()),
                Ok(queued()),
                Err(AzureError::Timeout {
                    method: "GET".into(),
                    url: "x".into(),
                    after: Duration::from_secs(1),
                }),
                Ok(Got {
                    lines: lines(&[(f, "one"), (f, "two")]),
                    status: Some(JobStatus::Running),
                    ..Got::default()
                }),
            ]
            .into(),
        );
        let mut out = Vec::new();
        let mut said = Vec::new();
        let ended = pump(&mut source, true, LogStyle::default(), &mut out, &mut |s| {
            said.push(s.clone())
        })
        .await
        .unwrap();
        assert_eq!(ended, Ended::Run(Some(JobStatus::Completed)));
        assert_eq!(out, b"one\ntwo\n");
        assert_eq!(said, vec![JobStatus::Queued]);
    }
}
