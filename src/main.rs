//! The `amlc` binary: parse flags, install the error and panic hooks and file logging, then run
//! the command (the TUI when there is none). Errors reach the user as one clear line on stderr
//! (several for a context that needs explaining); stdout carries only data, and a reader that
//! closes the pipe early ends a command quietly with exit 0. Exit codes: 0 success, 1 a failure
//! (printed here, cause first, with `commands::advice`), 2 usage (clap, and the action commands'
//! own checks), 3 a followed job that was canceled (`amlc logs --follow`, see `commands::logs`),
//! 130 an action's wait or a followed log stopped by Ctrl-C (see `commands::actions`).

use amlc::actions::ActionId;
use amlc::app::kinds::KindFilter;
use amlc::cli::{
    ActArgs, Cli, Command, ComputesCommand, ConfigCommand, ConfirmArgs, CreateArgs, EmulatorArgs,
    JobsCommand, LogsArgs, OutputFormat,
};
use amlc::commands::actions::{self, Verb};
use amlc::{commands, connect};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // A shell asking for completions (AMLC_COMPLETE set) is answered and the process ends here.
    commands::completions::complete_from_env();
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        eprintln!("amlc: could not install the error handler: {e}");
    }
    let _log_guard = init_logging();
    // Without a workspace, every amlc shares one background emulator: this binary, detached.
    if let Ok(exe) = std::env::current_exe() {
        connect::use_background_emulator(exe);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("amlc: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One line per cause, no backtrace noise for expected failures.
            let mut text = e.to_string();
            for cause in e.chain().skip(1) {
                text.push_str(": ");
                text.push_str(&cause.to_string());
            }
            // What to do about it, when the failure is a request's (cause first, then advice).
            if let Some(advice) = e
                .chain()
                .find_map(|c| c.downcast_ref::<amlc::azure::error::AzureError>())
                .and_then(commands::advice)
                .filter(|advice| !text.contains(advice.as_str()))
            {
                text.push_str("\n  what to do: ");
                text.push_str(&advice);
            }
            let _ = writeln!(std::io::stderr(), "amlc: {text}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to a file (never to the terminal the TUI draws on): `AMLC_LOG` sets the filter
/// (default `amlc=info`), `AMLC_LOG_FILE` the path (default: amlc's data dir, `amlc.log`).
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let path = std::env::var_os("AMLC_LOG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "amlc").map(|d| d.data_dir().join("amlc.log"))
        })?;
    let dir = path.parent()?.to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("AMLC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("amlc=info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false),
        )
        .try_init()
        .ok()?;
    Some(guard)
}

async fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    // Data only on stdout; a reader that closed the pipe (`| head -1`) ends the command quietly
    // with success. (Rust ignores SIGPIPE, so a closed pipe is an EPIPE error on write.)
    // Buffered: a list of thousands of lines is a few writes, not one per line (commands that
    // follow or wait flush after each batch, and before waiting).
    let mut stdout = commands::DataOut::new(std::io::BufWriter::with_capacity(
        64 * 1024,
        std::io::stdout().lock(),
    ));
    let mut notes = std::io::stderr();
    let result = match cli.command {
        Some(Command::Emulator(args)) => return run_emulator(args).await,
        Some(Command::Computes(cmd)) => match compute_verb(cmd) {
            Ok((verb, output)) => {
                actions::run(&cli.global, verb, output, &mut stdout, &mut notes).await
            }
            Err(Read::Create { args, attach }) => {
                commands::create::run(&cli.global, &args, attach, &mut stdout, &mut notes).await
            }
            Err(read) => {
                let conn = connect::connect(&cli.global).await?;
                let result = match read {
                    Read::List { kind, output } => {
                        commands::computes_list(
                            &conn,
                            kind.as_ref(),
                            output,
                            &mut stdout,
                            &mut notes,
                        )
                        .await
                    }
                    Read::Show { name, output } => {
                        commands::computes_show(&conn, &name, output, &mut stdout, &mut notes).await
                    }
                    Read::Sizes { args, output } => {
                        commands::sizes::list_sizes(&conn, &args, output, &mut stdout, &mut notes)
                            .await
                    }
                    Read::Usage { location, output } => {
                        commands::sizes::list_usage(
                            &conn,
                            location.as_deref(),
                            output,
                            &mut stdout,
                            &mut notes,
                        )
                        .await
                    }
                    Read::Cost { output } => {
                        commands::cost::list_cost(&conn, output, &mut stdout, &mut notes).await
                    }
                    Read::Create { .. } => Ok(()),
                };
                conn.close().await;
                result.map(|_| ExitCode::SUCCESS)
            }
        },
        // A local run (compute: local) of this computer is answered without connecting.
        Some(Command::Jobs(cmd)) if commands::local::is_local_command(&cmd) => {
            commands::local::jobs_command(cmd, &mut stdout, &mut notes).await
        }
        Some(Command::Jobs(cmd)) => match job_verb(cmd) {
            Ok((verb, output)) => {
                actions::run(&cli.global, verb, output, &mut stdout, &mut notes).await
            }
            Err(JobRead::Create(args)) => {
                commands::submit::create(&cli.global, &args, &mut stdout, &mut notes).await
            }
            Err(JobRead::Submit(args)) => {
                commands::submit::submit(&cli.global, &args, &mut stdout, &mut notes).await
            }
            Err(JobRead::Stream { name }) => {
                let args = LogsArgs {
                    name,
                    follow: true,
                    rank: None,
                    all_ranks: true,
                    file: None,
                };
                run_logs(&cli.global, &args, &mut stdout, &mut notes).await
            }
            Err(read) => {
                let conn = connect::connect(&cli.global).await?;
                let result = match read {
                    JobRead::List { args, output } => {
                        commands::jobs::list(&conn, &args, output, &mut stdout, &mut notes).await
                    }
                    JobRead::Show { name, output } => {
                        commands::jobs::show(&conn, &name, output, &mut stdout, &mut notes).await
                    }
                    JobRead::Stream { .. } | JobRead::Create(_) | JobRead::Submit(_) => Ok(()),
                };
                conn.close().await;
                result.map(|_| ExitCode::SUCCESS)
            }
        },
        Some(Command::Logs(args)) => run_logs(&cli.global, &args, &mut stdout, &mut notes).await,
        Some(Command::Config(ConfigCommand::Init { force })) => {
            commands::config::init(&cli.global, force, &mut notes).map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Completions(args)) => {
            let program = commands::completions::completer_program();
            commands::completions::write_script(
                args.shell,
                args.static_script,
                &program,
                &mut stdout,
            )
            .map(|_| ExitCode::SUCCESS)
            .map_err(Into::into)
        }
        Some(Command::Man(args)) => match &args.dir {
            None => commands::completions::man_page(&mut stdout)
                .map(|_| ExitCode::SUCCESS)
                .map_err(Into::into),
            Some(dir) => commands::completions::write_man_pages(dir)
                .map_err(|e| {
                    color_eyre::eyre::eyre!("cannot write man pages to {}: {e}", dir.display())
                })
                .and_then(|pages| {
                    writeln!(
                        notes,
                        "wrote {} man pages to {}",
                        pages.len(),
                        dir.display()
                    )?;
                    Ok(ExitCode::SUCCESS)
                }),
        },
        Some(Command::Config(ConfigCommand::Path)) => {
            commands::config::path(&cli.global, &mut stdout, &mut notes).map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Doctor) => commands::doctor(&cli.global, &mut stdout).await.map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        None => {
            drop(stdout);
            return amlc::tui::run(&cli.global, &cli.tui).await;
        }
    };
    let flushed = stdout.flush();
    if stdout.closed() {
        return Ok(ExitCode::SUCCESS);
    }
    match result {
        Ok(code) => flushed.map(|_| code).map_err(Into::into),
        Err(e) => Err(e),
    }
}

/// The reading commands on computes (`list`, `show`, `list-sizes`, `list-usage`, `list-cost`),
/// and `create|attach` (which read a file and connect by themselves: `commands::create`).
enum Read {
    Create {
        args: Box<CreateArgs>,
        attach: bool,
    },
    List {
        kind: Option<KindFilter>,
        output: OutputFormat,
    },
    Show {
        name: String,
        output: OutputFormat,
    },
    Sizes {
        args: commands::sizes::SizesArgs,
        output: OutputFormat,
    },
    Usage {
        location: Option<String>,
        output: OutputFormat,
    },
    Cost {
        output: OutputFormat,
    },
}

/// An action on a compute, as `commands::actions` runs it; `Err` for the reading commands.
fn compute_verb(cmd: ComputesCommand) -> Result<(Verb, OutputFormat), Read> {
    let act = |action: ActionId, args: ActArgs, yes: bool| {
        (
            Verb::Act {
                action,
                name: args.name,
                no_wait: args.wait.no_wait,
                yes,
            },
            args.output,
        )
    };
    let confirmed = |action: ActionId, args: ConfirmArgs| act(action, args.act, args.yes);
    Ok(match cmd {
        ComputesCommand::Start(args) => act(ActionId::Start, args, false),
        ComputesCommand::Stop(args) => act(ActionId::Stop, args, false),
        ComputesCommand::Restart(args) => act(ActionId::Restart, args, false),
        ComputesCommand::Delete(args) => confirmed(ActionId::Delete, args),
        ComputesCommand::Detach(args) => confirmed(ActionId::Detach, args),
        ComputesCommand::Update {
            name,
            min_instances,
            max_instances,
            idle_time_before_scale_down,
            wait,
            output,
        } => (
            Verb::Update {
                name,
                min: min_instances,
                max: max_instances,
                idle_secs: idle_time_before_scale_down,
                no_wait: wait.no_wait,
            },
            output,
        ),
        ComputesCommand::SetIdleShutdown {
            name,
            minutes,
            clear,
            output,
        } => (
            Verb::IdleShutdown {
                name,
                minutes: if clear { None } else { minutes },
            },
            output,
        ),
        ComputesCommand::Keys {
            name,
            show_secrets,
            output,
        } => (Verb::Keys { name, show_secrets }, output),
        ComputesCommand::ListNodes { name, output } => (Verb::ListNodes { name }, output),
        ComputesCommand::List { kind, output } => return Err(Read::List { kind, output }),
        ComputesCommand::Show { name, output } => return Err(Read::Show { name, output }),
        ComputesCommand::ListSizes {
            kind,
            location,
            tier,
            os,
            output,
        } => {
            return Err(Read::Sizes {
                args: commands::sizes::SizesArgs {
                    compute_type: kind,
                    location,
                    tier,
                    os,
                },
                output,
            });
        }
        ComputesCommand::ListCost { output } => return Err(Read::Cost { output }),
        ComputesCommand::ListUsage { location, output } => {
            return Err(Read::Usage { location, output });
        }
        ComputesCommand::Create(args) => {
            return Err(Read::Create {
                args: Box::new(args),
                attach: false,
            });
        }
        ComputesCommand::Attach(args) => {
            return Err(Read::Create {
                args: Box::new(args),
                attach: true,
            });
        }
    })
}

/// The reading commands on jobs (`list`, `show`, `stream`), and the submissions (`create`,
/// `submit`: `commands::submit`, which connect by themselves after reading the job).
enum JobRead {
    Create(Box<amlc::cli::JobCreateArgs>),
    Submit(Box<amlc::cli::JobSubmitArgs>),
    List {
        args: commands::jobs::ListArgs,
        output: OutputFormat,
    },
    Show {
        name: String,
        output: OutputFormat,
    },
    Stream {
        name: String,
    },
}

/// An action on a job, as `commands::actions` runs it; `Err` for the reading commands.
fn job_verb(cmd: JobsCommand) -> Result<(Verb, OutputFormat), JobRead> {
    let (action, args) = match cmd {
        JobsCommand::Cancel(args) => (ActionId::CancelJob, args),
        JobsCommand::Archive(args) => (ActionId::ArchiveJob, args),
        JobsCommand::Restore(args) => (ActionId::RestoreJob, args),
        JobsCommand::List {
            max_results,
            all_results,
            include_archived,
            job_type,
            output,
        } => {
            let max_results = match (all_results, max_results) {
                (true, _) => None,
                (false, Some(n)) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                (false, None) => Some(commands::jobs::DEFAULT_MAX_RESULTS),
            };
            return Err(JobRead::List {
                args: commands::jobs::ListArgs {
                    max_results,
                    include_archived,
                    job_type,
                },
                output,
            });
        }
        JobsCommand::Show { name, output } => return Err(JobRead::Show { name, output }),
        JobsCommand::Stream { name } => return Err(JobRead::Stream { name }),
        JobsCommand::Create(args) => return Err(JobRead::Create(Box::new(args))),
        JobsCommand::Submit(args) => return Err(JobRead::Submit(Box::new(args))),
    };
    Ok((
        Verb::Act {
            action,
            name: args.name,
            no_wait: args.wait.no_wait,
            yes: false,
        },
        args.output,
    ))
}

/// `amlc logs` (and `jobs stream`): connects, opens the tail of the job and prints it.
async fn run_logs(
    global: &amlc::cli::GlobalArgs,
    args: &LogsArgs,
    stdout: &mut commands::DataOut<std::io::BufWriter<std::io::StdoutLock<'static>>>,
    notes: &mut std::io::Stderr,
) -> color_eyre::Result<ExitCode> {
    if let Some((runs, _)) = commands::local::find(&args.name) {
        return commands::local::logs(&runs, args, stdout, notes).await;
    }
    let conn = connect::connect(global).await?;
    let result = match commands::logs::open(&conn, args).await {
        Ok(mut source) => commands::logs::run(&conn, args, source.as_mut(), stdout, notes).await,
        Err(e) => Err(e),
    };
    conn.close().await;
    result
}

/// How long the shared background emulator waits without a request before it stops, unless
/// `--idle-timeout` / `AMLC_EMULATOR_IDLE_SECS` says otherwise.
const BACKGROUND_IDLE_SECS: u64 = 900;

async fn run_emulator(args: EmulatorArgs) -> color_eyre::Result<ExitCode> {
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => connect::default_emulator_dir()
            .ok_or_else(|| color_eyre::eyre::eyre!("no home directory: pass --data-dir"))?,
    };
    let faults = match &args.faults {
        Some(spec) => Some(
            amlc::emulator::FaultSpec::parse(spec)
                .map_err(|e| color_eyre::eyre::eyre!("--faults {spec:?}: {e}"))?,
        ),
        None => None,
    };
    if !(args.speed.is_finite() && args.speed > 0.0) {
        color_eyre::eyre::bail!("--speed must be a positive number (got {})", args.speed);
    }
    let loopback = args.bind.is_loopback();
    if args.background && !loopback {
        color_eyre::eyre::bail!("the background emulator listens on loopback only");
    }
    if !loopback && args.token.is_none() {
        color_eyre::eyre::bail!(
            "--bind {} makes the emulator reachable from other machines, and every job submitted \
             to it runs as a command on this machine: give the token clients must send with \
             --token (or AMLC_EMULATOR_TOKEN)",
            args.bind
        );
    }
    if args.background && !data_dir.is_dir() {
        // The client that starts it creates the directory; a missing one was removed since.
        color_eyre::eyre::bail!("the data directory {} does not exist", data_dir.display());
    }
    let idle = match (args.idle_timeout, args.background) {
        (0, false) => None,
        (0, true) => Some(Duration::from_secs(BACKGROUND_IDLE_SECS)),
        (secs, _) => Some(Duration::from_secs(secs)),
    };
    // Listening for SIGTERM and SIGINT before anything is printed: a supervisor that signals
    // as soon as it read the first line gets a clean stop, not the default death.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let handle = amlc::emulator::start(amlc::emulator::EmulatorConfig {
        bind: args.bind,
        port: args.port,
        data_dir: data_dir.clone(),
        demo: args.demo,
        speed: args.speed,
        tls: args.tls,
        faults,
        token: args.token,
        rotate_token: args.rotate_token,
        idle_timeout: idle,
    })
    .await
    .map_err(|e| color_eyre::eyre::eyre!("emulator: {e}"))?;
    let local = handle.local_addr();
    if !loopback {
        let plain = if args.tls {
            ""
        } else {
            " It serves plain HTTP: the token and everything else cross the network unencrypted \
             (use --tls)."
        };
        eprintln!(
            "amlc emulator: WARNING: listening on {local}, reachable from other machines. Anyone \
             holding the token can submit jobs, and jobs run as commands on this machine as this \
             user.{plain}"
        );
    }
    {
        // The first line is the contract; the rest is help for a person. A reader that closed
        // the pipe after the first line must not bring the emulator down.
        let mut out = std::io::stdout().lock();
        if local.ip().is_unspecified() {
            let scheme = handle.url().scheme();
            writeln!(
                out,
                "amlc emulator listening on {scheme}://{local}/ (this machine: {})",
                handle.url()
            )?;
        } else {
            writeln!(out, "amlc emulator listening on {}", handle.url())?;
        }
        out.flush()?;
        let _ = writeln!(out, "token file: {}", data_dir.join("token").display());
        if let Some(cert) = handle.cert_pem_path() {
            let _ = writeln!(
                out,
                "certificate: {} (trust it with --ca-cert)",
                cert.display()
            );
        }
        if let Some(idle) = idle {
            let _ = writeln!(out, "stops after {} s without a request", idle.as_secs());
        }
        let _ = out.flush();
    }
    // Until Ctrl-C, SIGTERM, the idle timeout or the data directory's removal; a clean stop.
    tokio::select! {
        _ = term.recv() => {}
        _ = interrupt.recv() => {}
        _ = handle.stopped() => {}
    }
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
