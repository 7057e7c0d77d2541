//! Headless side of the local target (`compute: local`): start a local run of a submission plan
//! and, when asked, print its log until it ends, with the exit code `amlc logs --follow` uses.
//! Also the job commands on local runs: `amlc logs NAME [--follow]`, `jobs stream|show|cancel
//! NAME` and the local rows of `jobs list` ([`local_jobs`]).
//!
//! Which run a name means: a local run of this computer's store (`<data>/local-runs`) is
//! looked up first, without the network, and taken when it exists; any other name is a
//! workspace job. (Local run names are unique in the store and generated names carry a random
//! suffix; a workspace job of the same name is reached by removing the local run folder.)
//!
//! Lines are printed by `commands::logs::pump` through [`LocalLines`], a `LineSource` over
//! `logs::LocalFollower`, so they look exactly as `amlc logs NAME --follow` prints a remote
//! run: 0 Completed, 1 Failed (the run's error on stderr), 3 Canceled, 130 on Ctrl-C (the run
//! goes on, and the note says so). Never prints the command or environment values.

use super::logs::{Ended, Got, LineSource, LogStyle, pump};
use super::terminal_safe;
use crate::app::TabId;
use crate::app::kinds::{self, DetailCtx, Item, Section};
use crate::azure::error::AzureError;
use crate::azure::models::JobStatus;
use crate::cli::{LogsArgs, OutputFormat};
use crate::logs::LocalFollower;
use crate::submit::flow::Plan;
use crate::submit::local::{LOG_FILE, LocalRun, LocalRuns, LocalStatus};
use std::io::Write;
use std::process::ExitCode;

/// A local run's log as a line source for [`pump`].
pub struct LocalLines(pub LocalFollower);

#[async_trait::async_trait]
impl LineSource for LocalLines {
    async fn next(&mut self) -> Result<Got, AzureError> {
        let batch = self
            .0
            .next()
            .await
            .map_err(|e| AzureError::Invalid(e.to_string()))?;
        Ok(Got::from(batch))
    }

    fn files(&self) -> (Vec<String>, Vec<String>) {
        (self.0.files(), self.0.files())
    }
}

fn store() -> color_eyre::Result<LocalRuns> {
    LocalRuns::open_default().ok_or_else(|| {
        color_eyre::eyre::eyre!("no home directory: local runs have no place to live")
    })
}

/// Starts `plan` on this machine (`submit::local::LocalRuns`), says where it runs on `notes`,
/// prints the job's name on `out`, and with `stream` follows its log to the end.
pub async fn run_local(
    plan: &Plan,
    stream: bool,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let runs = store()?;
    run_local_in(&runs, plan, stream, out, notes).await
}

/// [`run_local`] with the runs kept under `runs`.
pub async fn run_local_in(
    runs: &LocalRuns,
    plan: &Plan,
    stream: bool,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let run = runs
        .start(plan)
        .map_err(|e| color_eyre::eyre::eyre!("the local run could not start: {e}"))?;
    writeln!(
        notes,
        "amlc: job {} runs on this computer in {}, in your current environment (user-managed)",
        terminal_safe(&run.name),
        terminal_safe(&run.dir.display().to_string())
    )?;
    for note in &run.notes {
        writeln!(notes, "amlc: note: {}", terminal_safe(note))?;
    }
    writeln!(out, "{}", run.name)?;
    out.flush()?;
    if !stream {
        return Ok(ExitCode::SUCCESS);
    }
    // As `amlc jobs stream NAME` prints it (every rank, prefixed), like a workspace job.
    let style = LogStyle::for_stdout(true);
    follow(runs, &run.name, style, out, notes).await
}

/// Prints run `name`'s log to the end (Ctrl-C stops following), then exits as `logs --follow`.
async fn follow(
    runs: &LocalRuns,
    name: &str,
    style: LogStyle,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let mut source = LocalLines(LocalFollower::new(runs.clone(), name).keep_raw());
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let ended = {
        let mut waiting = |_: &JobStatus| {};
        let pumping = pump(&mut source, true, style, out, &mut waiting);
        tokio::select! {
            ended = pumping => Some(ended),
            _ = sigint.recv() => None,
        }
    };
    match ended {
        None => {
            writeln!(
                notes,
                "amlc: stopped following; the local run {} goes on (amlc jobs cancel {} ends it)",
                terminal_safe(name),
                terminal_safe(name)
            )?;
            Ok(ExitCode::from(super::actions::EXIT_INTERRUPTED))
        }
        Some(Ok(Ended::Closed)) | Some(Ok(Ended::Printed)) => Ok(ExitCode::SUCCESS),
        Some(Ok(Ended::Run(_))) => exit_for(runs, name, notes),
        Some(Err(e)) => Err(e.into()),
    }
}

/// The exit code for a local run that ended (and its error on `notes`).
fn exit_for(runs: &LocalRuns, name: &str, notes: &mut dyn Write) -> color_eyre::Result<ExitCode> {
    let shown = terminal_safe(name);
    let Some(run) = runs.get(name) else {
        writeln!(notes, "amlc: local run {shown} is gone")?;
        return Ok(ExitCode::FAILURE);
    };
    Ok(match run.status {
        LocalStatus::Completed => ExitCode::SUCCESS,
        LocalStatus::Canceled => {
            writeln!(notes, "amlc: job {shown} was canceled")?;
            ExitCode::from(super::logs::EXIT_CANCELED)
        }
        LocalStatus::Failed => {
            let error = run.error.as_deref().unwrap_or("the local run failed");
            writeln!(notes, "amlc: {} (job {shown} Failed)", terminal_safe(error))?;
            ExitCode::FAILURE
        }
        LocalStatus::Running => ExitCode::FAILURE,
    })
}

/// The local run `name` of this computer's store, if there is one.
pub fn find(name: &str) -> Option<(LocalRuns, LocalRun)> {
    let runs = LocalRuns::open_default()?;
    let run = runs.get(name)?;
    Some((runs, run))
}

/// Every local run as a job (newest first), for `jobs list` and the Jobs tab.
pub fn local_jobs() -> Vec<crate::azure::models::Job> {
    LocalRuns::open_default()
        .map(|r| r.list().iter().map(LocalRun::to_job).collect())
        .unwrap_or_default()
}

/// `amlc logs NAME` (and `jobs stream NAME`) for a local run: its one log, as `amlc logs`
/// prints a remote run's.
pub async fn logs(
    runs: &LocalRuns,
    args: &LogsArgs,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let name = terminal_safe(&args.name);
    let asked = match (&args.file, args.rank) {
        (Some(file), _) if file != LOG_FILE => Some(format!("no log file {}", terminal_safe(file))),
        (None, Some(rank)) if rank != 0 => Some(format!("no log of rank {rank}")),
        _ => None,
    };
    if let Some(asked) = asked {
        writeln!(
            notes,
            "amlc: job {name} has {asked}; its log files: {LOG_FILE}"
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let style = LogStyle::for_stdout(args.all_ranks);
    if args.follow {
        return follow(runs, &args.name, style, out, notes).await;
    }
    let mut source = LocalLines(LocalFollower::new(runs.clone(), args.name.clone()).keep_raw());
    match pump(&mut source, false, style, out, &mut |_| {}).await {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
    }
}

/// `amlc jobs show NAME` for a local run: the Jobs tab's detail, its run folder and log.
pub fn show(run: &LocalRun, output: OutputFormat, out: &mut dyn Write) -> color_eyre::Result<()> {
    let job = run.to_job();
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &crate::azure::models::redact_json(&job.raw))?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let ctx = DetailCtx {
                now_ms: super::now_ms(),
                nodes: None,
            };
            let mut sections = kinds::kind(TabId::Jobs).detail(Item::Job(&job), &ctx);
            let mut notes = Section::new("Local run");
            notes.field("Run folder", run.dir.display().to_string());
            if let Some(code) = run.exit_code {
                notes.field("Exit code", code.to_string());
            }
            for n in &run.notes {
                notes.text(n.clone(), crate::app::text::Tone::Muted);
            }
            sections.push(notes);
            let mut files = Section::new("Log files");
            files.field(&crate::logs::label(LOG_FILE), LOG_FILE);
            sections.push(files);
            super::jobs::write_sections(out, &sections)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `amlc jobs cancel NAME` for a local run: ends its process group (SIGTERM, then SIGKILL),
/// status Canceled; one already ended is left as it is (and said).
pub fn cancel(
    runs: &LocalRuns,
    name: &str,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let before = runs.get(name).map(|r| r.status);
    let run = runs
        .cancel(name)
        .map_err(|e| color_eyre::eyre::eyre!("cannot cancel the local run: {e}"))?;
    let shown = terminal_safe(name);
    match before {
        Some(s) if s.is_terminal() => writeln!(
            notes,
            "amlc: local run {shown} already ended ({s}); nothing to cancel"
        )?,
        _ => writeln!(notes, "amlc: local run {shown} canceled")?,
    }
    if output == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &run.to_job().raw)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Whether `cmd` is `jobs cancel|show NAME` for a local run of this computer's store (then
/// [`jobs_command`] runs it without connecting).
pub fn is_local_command(cmd: &crate::cli::JobsCommand) -> bool {
    use crate::cli::JobsCommand;
    match cmd {
        JobsCommand::Cancel(args) => find(&args.name).is_some(),
        JobsCommand::Show { name, .. } => find(name).is_some(),
        _ => false,
    }
}

/// `jobs cancel|show NAME` for a local run (see [`is_local_command`]).
pub async fn jobs_command(
    cmd: crate::cli::JobsCommand,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    use crate::cli::JobsCommand;
    let (name, show_output, cancel_output) = match cmd {
        JobsCommand::Cancel(args) => (args.name, None, Some(args.output)),
        JobsCommand::Show { name, output } => (name, Some(output), None),
        _ => color_eyre::eyre::bail!("not a command on a local run"),
    };
    let Some((runs, run)) = find(&name) else {
        color_eyre::eyre::bail!("no local run {}", terminal_safe(&name));
    };
    if let Some(output) = cancel_output {
        return cancel(&runs, &name, output, out, notes);
    }
    show(&run, show_output.unwrap_or(OutputFormat::Table), out)?;
    Ok(ExitCode::SUCCESS)
}
