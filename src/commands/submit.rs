//! `amlc jobs create -f FILE [--set key=value]… [-n NAME] [--stream] [--web] [--dry-run]
//! [-o json]` and its quick form `amlc jobs submit --code DIR --compute NAME|local
//! --environment ENV [...] -- COMMAND…`: a command job read (`submit::job_yaml`), planned
//! (`submit::flow::plan`), shown, and sent (`submit::flow::submit`), or run on this machine
//! (`commands::local::run_local`) for `compute: local`.
//!
//! Owns what the user sees and the exit codes. Before anything is sent, on stderr: the
//! workspace (and that it is the emulator's demo when it is), the snapshot summary, the
//! environment and its kind, the git properties, the notes; then "code asset reused …, nothing
//! uploaded" or the upload's progress (one updating line on a terminal; otherwise a line every
//! few seconds and one at the end). The job's name goes to stdout (`-o json`: the job as the
//! service answered). `--dry-run` prints the body and sends nothing; `--stream` follows the
//! logs exactly as `amlc jobs stream NAME` does (same exit codes); `--web` prints the Studio
//! link and opens it when a browser can be started (never fails without one).
//!
//! Exit codes: 0 sent (or the streamed job Completed), 2 the file, a flag or the code folder is
//! wrong (every problem as `FILE:LINE:COL: key: rule`; nothing sent), 1 `--read-only` or a
//! failure of the service; with `--stream` those of `jobs stream`. Must not print a SAS, a
//! token, or a value of the job file in a message.

use super::actions::EXIT_USAGE;
use super::create::refuse;
use super::terminal_safe;
use crate::cli::{GlobalArgs, JobCreateArgs, JobSubmitArgs, LogsArgs, OutputFormat, SubmitOptions};
use crate::connect::{self, Connection};
use crate::submit::flow::{self, Plan, Step};
use crate::submit::job_yaml::{self, Code, Compute, Environment, JobSpec};
use crate::submit::snapshot::human_bytes;
use crate::wizard::yaml::Override;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `jobs create -f FILE`.
pub async fn create(
    global: &GlobalArgs,
    args: &JobCreateArgs,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let mut sets = Vec::new();
    if let Some(n) = &args.common.name {
        sets.push(Override::flag("name", "--name", n.clone()));
    }
    for s in &args.set {
        match Override::set(s) {
            Ok(o) => sets.push(o),
            Err(m) => {
                writeln!(notes, "amlc: {m}")?;
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    let spec = match job_yaml::read(&args.file, &sets) {
        Ok(spec) => spec,
        Err(problems) => return refuse(&problems, &args.file.display().to_string(), notes),
    };
    run(global, spec, &args.common, out, notes).await
}

/// `jobs submit --code DIR --compute NAME --environment ENV -- COMMAND…`.
pub async fn submit(
    global: &GlobalArgs,
    args: &JobSubmitArgs,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let mut sets = vec![
        // The command is set after reading (a command is not YAML); a stand-in keeps the
        // reader's "command is required" rule quiet.
        Override::flag("command", "--", "true"),
        Override::flag("environment", "--environment", args.environment.clone()),
    ];
    let text = |key: &str, flag: &str, v: &Option<String>| {
        v.as_ref().map(|v| Override::flag(key, flag, v.clone()))
    };
    sets.extend(text("compute", "--compute", &args.compute));
    sets.extend(text(
        "code",
        "--code",
        &args.code.as_ref().map(|p| p.display().to_string()),
    ));
    sets.extend(text(
        "experiment_name",
        "--experiment-name",
        &args.experiment_name,
    ));
    sets.extend(text("display_name", "--display-name", &args.display_name));
    sets.extend(text("name", "--name", &args.common.name));
    if let Some(n) = args.instance_count {
        sets.push(Override::flag(
            "resources.instance_count",
            "--instance-count",
            n.to_string(),
        ));
    }
    let cwd = std::env::current_dir()?;
    let mut spec = match job_yaml::load("(command line)", "", &cwd, &sets) {
        Ok(spec) => spec,
        Err(problems) => return refuse(&problems, "", notes),
    };
    spec.command = shell_command(&args.command);
    run(global, spec, &args.common, out, notes).await
}

/// The command line after `--`: one argument as it is (a shell command line), several joined
/// with each quoted for `sh` where needed.
pub fn shell_command(args: &[String]) -> String {
    if args.len() == 1 {
        return args[0].clone();
    }
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn run(
    global: &GlobalArgs,
    spec: JobSpec,
    opts: &SubmitOptions,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let plan = match flow::plan(spec, &cwd) {
        Ok(p) => p,
        Err(e) => {
            writeln!(
                notes,
                "amlc: {}; nothing was sent",
                terminal_safe(&e.to_string())
            )?;
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    if plan.spec.compute == Some(Compute::Local) {
        write_summary(&plan, None, notes)?;
        if opts.dry_run {
            let body = flow::preview_body(&plan, "<workspace>")?;
            write_json(out, &body)?;
            writeln!(
                notes,
                "amlc: --dry-run: the job would run on this machine; nothing was started"
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        return crate::commands::local::run_local(&plan, opts.stream, out, notes).await;
    }
    if global.read_only && !opts.dry_run {
        writeln!(
            notes,
            "amlc: --read-only: refusing to submit job {}, which changes the workspace; nothing \
             was sent (--dry-run shows the request)",
            terminal_safe(&plan.job_name)
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let conn = connect::connect(global).await?;
    let result = run_connected(&conn, &plan, opts, out, notes).await;
    conn.close().await;
    result
}

async fn run_connected(
    conn: &Connection,
    plan: &Plan,
    opts: &SubmitOptions,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    write_summary(plan, Some(conn), notes)?;
    let workspace_id = conn.client.context().workspace_id();
    if opts.dry_run {
        let body = flow::preview_body(plan, &workspace_id)?;
        write_json(out, &body)?;
        writeln!(
            notes,
            "amlc: --dry-run: nothing was sent; <…> marks what the service decides (the code \
             version of the content hash, an environment's latest version)"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let printer = ProgressPrinter::new(std::io::stderr().is_terminal());
    let outcome = flow::submit(&conn.client, plan, &|step| printer.show(step)).await;
    printer.finish();
    let outcome = outcome?;
    match opts.output {
        OutputFormat::Json => write_json(out, &outcome.job)?,
        OutputFormat::Table => writeln!(out, "{}", outcome.job_name)?,
    }
    out.flush()?;
    if opts.web {
        let url = studio_url(conn, &outcome.job_name, &outcome.job);
        writeln!(notes, "studio: {url}")?;
        open_in_browser(&url);
    }
    if opts.stream {
        let args = LogsArgs {
            name: outcome.job_name.clone(),
            follow: true,
            rank: None,
            all_ranks: true,
            file: None,
        };
        let mut source = crate::commands::logs::open(conn, &args).await?;
        return crate::commands::logs::run(conn, &args, source.as_mut(), out, notes).await;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_json(out: &mut dyn Write, v: &serde_json::Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    writeln!(out, "{text}")
}

/// What goes, before anything is sent.
fn write_summary(
    plan: &Plan,
    conn: Option<&Connection>,
    notes: &mut dyn Write,
) -> std::io::Result<()> {
    let s = |t: &str| terminal_safe(t);
    match conn {
        Some(conn) => {
            let ctx = conn.client.context();
            writeln!(
                notes,
                "amlc: submitting job {} to workspace {} (resource group {}, subscription {}, {})",
                s(&plan.job_name),
                s(&ctx.workspace),
                s(&ctx.resource_group),
                s(&ctx.subscription),
                s(&ctx.cloud.name())
            )?;
            if let Some(banner) = conn.banner() {
                writeln!(notes, "  {}", s(banner.trim_start_matches("# ")))?;
            }
        }
        None => writeln!(
            notes,
            "amlc: running job {} on this machine (compute: local)",
            s(&plan.job_name)
        )?,
    }
    writeln!(notes, "  experiment: {}", s(&plan.experiment_name))?;
    writeln!(notes, "  command: {}", s(&plan.spec.command))?;
    match (&plan.snapshot, &plan.spec.code) {
        (Some(snap), Some(Code::Local(p))) => {
            // The summary line; its warnings are among the plan's notes, shown below.
            if let Some(first) = snap.lines().into_iter().next() {
                writeln!(
                    notes,
                    "  code: {} — {}",
                    s(&p.display().to_string()),
                    s(&first)
                )?;
            }
        }
        (_, Some(Code::Remote(r))) => writeln!(notes, "  code: {}", s(r))?,
        _ => writeln!(notes, "  code: none")?,
    }
    if let Some(env) = &plan.spec.environment {
        writeln!(notes, "  environment: {}", s(&environment_text(env)))?;
        writeln!(notes, "    {}", env.kind().explain())?;
    }
    match &plan.spec.compute {
        Some(Compute::Named(n)) => writeln!(notes, "  compute: {}", s(n))?,
        Some(Compute::ArmId(id)) => writeln!(notes, "  compute: {}", s(id))?,
        Some(Compute::Local) => writeln!(notes, "  compute: local (this machine)")?,
        None => writeln!(
            notes,
            "  compute: none given (the service chooses, serverless)"
        )?,
    }
    if plan.git.is_empty() {
        writeln!(notes, "  git: nothing recorded")?;
    } else {
        let pairs: Vec<String> = plan
            .git
            .iter()
            .map(|(k, v)| format!("{}={}", k, v))
            .collect();
        writeln!(notes, "  git: {}", s(&pairs.join(", ")))?;
    }
    for n in &plan.notes {
        writeln!(notes, "  note: {}", s(n))?;
    }
    notes.flush()
}

/// The environment as the user wrote it, in a few words.
pub fn environment_text(env: &Environment) -> String {
    match env {
        Environment::Registered {
            name,
            version: Some(v),
        } => format!("{name}:{v}"),
        Environment::Registered {
            name,
            version: None,
        } => format!("{name}@latest"),
        Environment::Curated(s) | Environment::ArmId(s) => s.clone(),
        Environment::Inline {
            image: Some(image),
            conda_file,
            ..
        } => match conda_file {
            Some(c) => format!("image {image} with conda file {}", c.display()),
            None => format!("image {image}"),
        },
        Environment::Inline { build: Some(b), .. } => {
            format!("Docker build context {}", b.path.display())
        }
        Environment::Inline { .. } => "inline".into(),
    }
}

/// The job's Studio link: the service's `services.Studio.endpoint`, else the Studio's run
/// page for this workspace.
fn studio_url(conn: &Connection, name: &str, job: &serde_json::Value) -> String {
    job.pointer("/properties/services/Studio/endpoint")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let ctx = conn.client.context();
            format!(
                "{}/runs/{name}?wsid={}",
                ctx.cloud.studio_url(),
                ctx.workspace_id()
            )
        })
}

/// Opens `url` with the desktop's opener when there seems to be a desktop; any failure is
/// quiet (the link was printed).
fn open_in_browser(url: &str) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        "xdg-open"
    } else {
        return;
    };
    if let Ok(mut child) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        std::thread::spawn(move || {
            let _ = child.wait();
        });
    }
}

/// Shows the steps of a submission on stderr: one updating line on a terminal, a line every
/// few seconds otherwise.
struct ProgressPrinter {
    terminal: bool,
    state: Mutex<PrinterState>,
}

struct PrinterState {
    upload_started: Option<Instant>,
    last_shown: Option<Instant>,
    /// The updating line is on screen (a newline is due before the next line).
    open_line: bool,
    last: Option<(usize, usize, u64, u64)>,
}

/// How often a non-terminal progress line is written.
const PLAIN_EVERY: Duration = Duration::from_secs(3);
/// How often the terminal line is redrawn.
const TERMINAL_EVERY: Duration = Duration::from_millis(100);

impl ProgressPrinter {
    fn new(terminal: bool) -> Self {
        ProgressPrinter {
            terminal,
            state: Mutex::new(PrinterState {
                upload_started: None,
                last_shown: None,
                open_line: false,
                last: None,
            }),
        }
    }

    fn line(&self, st: &mut PrinterState, text: &str) {
        let mut err = std::io::stderr().lock();
        if st.open_line {
            let _ = writeln!(err);
            st.open_line = false;
        }
        let _ = writeln!(err, "{text}");
    }

    fn upload_text(st: &PrinterState, (fd, ft, bd, bt): (usize, usize, u64, u64)) -> String {
        let secs = st
            .upload_started
            .map(|t| t.elapsed().as_secs_f64())
            .unwrap_or(0.0)
            .max(0.001);
        format!(
            "uploading: {fd}/{ft} files, {} of {}, {:.1} MB/s",
            human_bytes(bd),
            human_bytes(bt),
            bd as f64 / 1e6 / secs
        )
    }

    fn show(&self, step: Step) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match step {
            Step::LookingUpCode { hash } => {
                let short = hash.get(..12).unwrap_or(&hash).to_string();
                self.line(
                    &mut st,
                    &format!("code: looking for a code asset with hash {short}…"),
                );
            }
            Step::CodeReused { code_id } => {
                self.line(
                    &mut st,
                    &format!(
                        "code asset reused ({}), nothing uploaded",
                        terminal_safe(&code_id)
                    ),
                );
            }
            Step::Uploading {
                files_done,
                files_total,
                bytes_done,
                bytes_total,
            } => {
                let now = Instant::now();
                if st.upload_started.is_none() {
                    st.upload_started = Some(now);
                    // The first progress line is due one period after this one.
                    st.last_shown = Some(now);
                    self.line(
                        &mut st,
                        &format!(
                            "uploading {}, {}",
                            files_text(files_total),
                            human_bytes(bytes_total)
                        ),
                    );
                }
                let v = (files_done, files_total, bytes_done, bytes_total);
                st.last = Some(v);
                let every = if self.terminal {
                    TERMINAL_EVERY
                } else {
                    PLAIN_EVERY
                };
                let due = st.last_shown.is_none_or(|t| now.duration_since(t) >= every);
                if due && files_done < files_total {
                    st.last_shown = Some(now);
                    let text = Self::upload_text(&st, v);
                    let mut err = std::io::stderr().lock();
                    if self.terminal {
                        let _ = write!(err, "\r\x1b[2K{text}");
                        let _ = err.flush();
                        st.open_line = true;
                    } else {
                        let _ = writeln!(err, "{text}");
                    }
                }
            }
            Step::CodeCreated { code_id } => {
                self.end_upload(&mut st);
                self.line(
                    &mut st,
                    &format!("code version {} created", terminal_safe(&code_id)),
                );
            }
            Step::Environment { id } => {
                self.end_upload(&mut st);
                self.line(&mut st, &format!("environment: {}", terminal_safe(&id)));
            }
            Step::InputUploaded { name, uri } => {
                self.end_upload(&mut st);
                self.line(
                    &mut st,
                    &format!("input {}: {}", terminal_safe(&name), terminal_safe(&uri)),
                );
            }
            Step::JobCreated { name } => {
                self.end_upload(&mut st);
                self.line(&mut st, &format!("job {} submitted", terminal_safe(&name)));
            }
        }
    }

    /// The closing line of an upload: totals, time and rate.
    fn end_upload(&self, st: &mut PrinterState) {
        let (Some(started), Some((fd, _, bd, _))) = (st.upload_started.take(), st.last.take())
        else {
            return;
        };
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let text = format!(
            "uploaded {}, {} in {secs:.1} s ({:.1} MB/s)",
            files_text(fd),
            human_bytes(bd),
            bd as f64 / 1e6 / secs
        );
        if self.terminal && st.open_line {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "\r\x1b[2K{text}");
            st.open_line = false;
        } else {
            self.line(st, &text);
        }
        st.last_shown = None;
    }

    fn finish(&self) {
        if let Ok(mut st) = self.state.lock() {
            self.end_upload(&mut st);
            if st.open_line {
                let _ = writeln!(std::io::stderr());
                st.open_line = false;
            }
        }
    }
}

/// `1 file`, `2 files`.
fn files_text(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_quoted_for_sh() {
        let a = |v: &[&str]| shell_command(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(a(&["python train.py --x 1"]), "python train.py --x 1");
        assert_eq!(
            a(&["python3", "-c", "print('hi there')"]),
            r"python3 -c 'print('\''hi there'\'')'"
        );
        assert_eq!(
            a(&["echo", "", "a b", "${{inputs.x}}"]),
            "echo '' 'a b' '${{inputs.x}}'"
        );
    }
}
