//! The terminal loop of `amlc` (no subcommand): sets the terminal up (raw mode, alternate
//! screen, mouse capture only with `--mouse`), connects in the background (the embedded emulator
//! when no workspace is configured), and then waits on input, I/O answers, timers and signals
//! with one `tokio::select!`. Bursts of events are drained and applied before a single redraw,
//! and a frame is drawn only when the app says something changed; with nothing due the loop
//! sleeps (no fixed-rate redraw). The terminal is restored on exit, on error (a guard), on panic
//! (ratatui's hook, wrapped to release the mouse too) and on SIGTERM/SIGHUP. A context switch
//! (`:ws`, `:rg`, `:sub`, `:profile`) connects aside and checks the new workspace with one GET
//! before the app hears of it, so a failed switch leaves the current view and data in place.
//! After each batch the pipeline's activity (in flight, retries, throttling) goes to the app.
//! Notifications (`Effect::Notify`) are written to the terminal here (BEL, OSC 9/777, wrapped
//! for tmux); after the terminal is restored, operations still in flight are listed on stderr
//! (they go on in Azure; amlc only stopped following them).
//! All state lives in `App`; this module only moves messages and effects between the terminal,
//! the runtime and it.

use crate::app::Effect;
use crate::app::clipboard;
use crate::app::command::ContextChange;
use crate::app::keys::KeyMap;
use crate::app::notify::{self, NotifyPolicy};
use crate::app::runtime::Runtime;
use crate::app::{App, AppError, AppOptions, ContextInfo, Msg, RefreshPolicy, TabId};
use crate::azure::AmlClient;
use crate::azure::error::{AzureError, ErrorKind};
use crate::cli::{GlobalArgs, TuiArgs};
use crate::connect::{self, Connection};
use crate::ui::{self, Theme};
use color_eyre::eyre::{WrapErr, eyre};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use futures::StreamExt;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// The most events applied before a redraw (a paste of many keys is still one frame).
const MAX_BATCH: usize = 512;

/// Set by the panic hook. A panic anywhere (a background task included) has already restored
/// the terminal, so the loop must not go on drawing: it stops at its next turn.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Runs the TUI until the user quits; the exit code is 0, or 128+signal after SIGTERM/SIGHUP.
pub async fn run(global: &GlobalArgs, args: &TuiArgs) -> color_eyre::Result<ExitCode> {
    let started = Instant::now();
    // The loop owns the theme and draws with it; it is not app state.
    let (options, theme) = app_options(global, args);
    let mut app = App::new(options);

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel::<(u64, Result<Connection, AppError>)>();
    let request_timeout = Duration::from_secs(global.timeout.max(5).saturating_mul(3));
    let mut runtime: Runtime<AmlClient> = Runtime::new(tx.clone(), request_timeout);
    // This computer's local runs (compute: local) show among the workspace's jobs.
    if let Some(local) = crate::submit::local::LocalRuns::open_default() {
        runtime.set_local_runs(local);
    }

    let mut terminal = TerminalGuard::enter(args.mouse)?;
    // Only the Azure CLI's login configured: the user picks the workspace first.
    let global = &match crate::picker::choose_if_needed(&mut terminal.terminal, global).await? {
        crate::picker::PickerOutcome::Go(picked) => *picked,
        crate::picker::PickerOutcome::Exit(code) => return Ok(code),
    };
    let size = terminal
        .terminal
        .size()
        .wrap_err("cannot read the terminal size")?;
    let clock = Clock::new();
    clock.set(&mut app);
    app.update(Msg::Resize(size.width, size.height));

    // Connect in the background so the first frame does not wait for it.
    let mut connect_generation = 1u64;
    let mut pending_global = global.clone();
    let mut current_global = global.clone();
    spawn_connect(
        pending_global.clone(),
        connect_generation,
        false,
        request_timeout,
        conn_tx.clone(),
    );
    let mut connection: Option<Connection> = None;

    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    // Raw mode turns Ctrl-C into a key, but `kill -INT`/`-QUIT` from outside must still restore
    // the terminal.
    let mut sigint = signal(SignalKind::interrupt()).wrap_err("cannot watch SIGINT")?;
    let mut sigquit = signal(SignalKind::quit()).wrap_err("cannot watch SIGQUIT")?;
    let mut exit = ExitCode::SUCCESS;
    let mut first_frame = false;
    let mut first_data = false;

    loop {
        if PANICKED.load(Ordering::SeqCst) {
            return Err(eyre!(
                "stopped after an internal error (a panic, reported above); the terminal was restored"
            ));
        }
        if app.take_dirty() {
            terminal
                .terminal
                .draw(|frame| ui::draw(&app, &theme, frame))
                .wrap_err("cannot draw to the terminal")?;
            if !first_frame {
                first_frame = true;
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "first frame drawn"
                );
            }
            if !first_data && app.scope(TabId::Instances).loaded() {
                first_data = true;
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "first frame with data"
                );
            }
        }
        // Free replaced lists off this task, after the frame is out.
        let retired = app.take_retired();
        if !retired.is_empty() {
            tokio::task::spawn_blocking(move || drop(retired));
        }
        let deadline = app.next_deadline().map(|mono| clock.instant(mono));
        let mut batch: Vec<Msg> = Vec::new();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => batch.extend(to_msg(event)),
                Some(Err(e)) => return Err(eyre!("cannot read terminal input: {e}")),
                None => break,
            },
            Some(msg) = rx.recv() => batch.push(msg),
            Some((generation, result)) = conn_rx.recv() => {
                clock.set(&mut app);
                match result {
                    Ok(conn) if generation == connect_generation => {
                        runtime.set_source(conn.client.clone());
                        let info = context_info(&conn);
                        if let Some(old) = connection.replace(conn) {
                            tokio::spawn(async move {
                                let _ = tokio::time::timeout(Duration::from_secs(10), old.close()).await;
                            });
                        }
                        current_global = pending_global.clone();
                        batch.push(Msg::Connected(info));
                    }
                    Ok(stale) => {
                        tokio::spawn(async move {
                            let _ = tokio::time::timeout(Duration::from_secs(10), stale.close()).await;
                        });
                    }
                    Err(error) if generation == connect_generation => batch.push(Msg::ConnectFailed(error)),
                    Err(_) => {}
                }
            },
            _ = sleep_until(deadline) => batch.push(Msg::Tick),
            _ = sigterm.recv() => { exit = ExitCode::from(143); break; }
            _ = sighup.recv() => { exit = ExitCode::from(129); break; }
            _ = sigint.recv() => { exit = ExitCode::from(130); break; }
            _ = sigquit.recv() => { exit = ExitCode::from(131); break; }
        }
        // Coalesce: take everything else that is already waiting, then draw once. The stream is
        // polled with this task's own waker (`poll!`), never a no-op one (`now_or_never`):
        // crossterm's EventStream registers the waker of a pending poll with its reader thread
        // and would otherwise never wake this loop for the next key.
        while batch.len() < MAX_BATCH {
            match futures::poll!(events.next()) {
                std::task::Poll::Ready(Some(Ok(event))) => batch.extend(to_msg(event)),
                _ => break,
            }
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        clock.set(&mut app);
        for msg in batch {
            for effect in app.update(msg) {
                let Some(effect) = runtime.execute(effect) else {
                    continue;
                };
                match effect {
                    Effect::Copy { label, text } => {
                        // OSC 52 is a terminal write: now. tmux and clipboard tools are
                        // processes that may hang: off the loop, within one deadline, and the
                        // outcome comes back as a message.
                        let env = clipboard::Env::detect();
                        let osc52 = clipboard::write_osc52(&text, terminal.terminal.backend_mut());
                        let deadline = Instant::now() + clipboard::DEADLINE;
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let outcome = clipboard::finish(&text, osc52, &env, deadline);
                            let _ = tx.send(Msg::Copied { label, outcome });
                        });
                    }
                    Effect::Reconnect(change) => {
                        connect_generation += 1;
                        pending_global =
                            changed_global(&current_global, &change, app.context.as_ref());
                        // A switch is checked (one GET of the workspace) before it replaces
                        // the working view.
                        spawn_connect(
                            pending_global.clone(),
                            connect_generation,
                            true,
                            request_timeout,
                            conn_tx.clone(),
                        );
                    }
                    Effect::Notify(notification) => {
                        // A terminal write like OSC 52: a failure only costs the notification.
                        let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
                        let term = std::env::var("TERM").ok();
                        let vte = std::env::var("VTE_VERSION").ok();
                        let protocol =
                            notify::DesktopProtocol::detect(term.as_deref(), vte.as_deref());
                        let bytes = notify::sequences(&notification, tmux, protocol);
                        let out = terminal.terminal.backend_mut();
                        if let Err(e) = out.write_all(bytes.as_bytes()).and_then(|()| out.flush()) {
                            tracing::warn!(error = %e, "cannot write a notification");
                        }
                    }
                    Effect::Quit
                    | Effect::Fetch(..)
                    | Effect::Act { .. }
                    | Effect::LogsFollow { .. }
                    | Effect::LogsStop(_)
                    | Effect::LogsSave { .. }
                    | Effect::Submit(_) => {}
                }
            }
            if app.should_quit() {
                break;
            }
        }
        app.update(Msg::Http(runtime.activity()));
        if app.should_quit() {
            break;
        }
    }
    runtime.shutdown();
    drop(terminal);
    // Quitting stops following operations, not them: say so once the screen is back.
    for line in app.quit_lines() {
        eprintln!("{line}");
    }
    if let Some(conn) = connection {
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.close()).await;
    }
    Ok(exit)
}

/// Key table, theme and refresh cadences from the config file (flags and environment as for
/// connecting), with notices for anything that could not be applied.
fn app_options(global: &GlobalArgs, args: &TuiArgs) -> (AppOptions, Theme) {
    let mut notices = Vec::new();
    let file = match connect::resolve_context(global) {
        Ok(resolved) => resolved.config,
        Err(e) => {
            notices.push(format!("config: {e}"));
            None
        }
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let base = if no_color {
        Theme::monochrome()
    } else {
        Theme::ansi16()
    };
    let notify = file
        .as_ref()
        .map(|f| {
            let n = &f.notify;
            NotifyPolicy::from_config(n.after_secs, n.bell, n.desktop)
        })
        .unwrap_or_default();
    let (keymap, theme, refresh) = match &file {
        Some(file) => {
            let (keymap, key_notices) = KeyMap::with_overrides(&file.keys);
            let (theme, theme_notices) = base.with_overrides(&file.theme);
            notices.extend(key_notices);
            notices.extend(theme_notices);
            let r = &file.refresh;
            (
                keymap,
                theme,
                RefreshPolicy::from_secs(r.visible_secs, r.busy_secs, r.background_secs),
            )
        }
        None => (KeyMap::default(), base, RefreshPolicy::default()),
    };
    let options = AppOptions {
        keymap,
        refresh,
        read_only: global.read_only,
        ascii: args.ascii,
        mouse: args.mouse,
        notices,
        notify,
        log_budget_mb: file.as_ref().and_then(|f| f.logs.budget_mb).unwrap_or(0),
    };
    (options, theme)
}

fn context_info(conn: &Connection) -> ContextInfo {
    let ctx = conn.client.context();
    // Why the emulator runs ("no workspace configured" or "--emulator"), from the sources.
    let banner = conn.is_emulator().then(|| {
        let why = conn
            .sources
            .iter()
            .find(|(field, _, _)| field == "target")
            .map(|(_, _, why)| why.clone())
            .unwrap_or_else(|| "built-in".into());
        format!("EMULATOR: {why}")
    });
    ContextInfo {
        cloud: ctx.cloud.name(),
        subscription: ctx.subscription.clone(),
        resource_group: ctx.resource_group.clone(),
        workspace: ctx.workspace.clone(),
        auth: conn.auth_label.clone(),
        emulator: conn.is_emulator(),
        banner,
    }
}

/// The flags for a switch: the changed value, the rest of the current context kept (a profile
/// switch drops the context flags so the profile's values apply).
fn changed_global(
    current: &GlobalArgs,
    change: &ContextChange,
    live: Option<&ContextInfo>,
) -> GlobalArgs {
    let mut g = current.clone();
    let keep = |flag: &mut Option<String>, value: Option<&String>| {
        if flag.is_none() {
            *flag = value.filter(|v| !v.is_empty()).cloned();
        }
    };
    match change {
        ContextChange::Profile(name) => {
            g.profile = Some(name.clone());
            g.subscription = None;
            g.resource_group = None;
            g.workspace = None;
            g.endpoint = None;
            g.cloud = None;
            g.emulator = false;
            return g;
        }
        ContextChange::Workspace(name) => g.workspace = Some(name.clone()),
        ContextChange::ResourceGroup(name) => g.resource_group = Some(name.clone()),
        ContextChange::Subscription(id) => g.subscription = Some(id.clone()),
    }
    // Against Azure, the rest of the live context stays (the app refuses these switches on
    // the emulator, which serves only its demo workspace).
    if let Some(live) = live.filter(|l| !l.emulator) {
        keep(&mut g.subscription, Some(&live.subscription));
        keep(&mut g.resource_group, Some(&live.resource_group));
        keep(&mut g.workspace, Some(&live.workspace));
    }
    g
}

/// Connects in the background and sends the outcome tagged with `generation`. With `check`
/// (a `:ws`/`:rg`/`:sub`/`:profile` switch) the new workspace must answer one GET first, so a
/// typo leaves the current view and its data in place.
fn spawn_connect(
    global: GlobalArgs,
    generation: u64,
    check: bool,
    timeout: Duration,
    tx: mpsc::UnboundedSender<(u64, Result<Connection, AppError>)>,
) {
    tokio::spawn(async move {
        let result = match connect::connect(&global).await {
            Ok(conn) if check => {
                match crate::app::runtime::check_workspace(&conn.client, timeout).await {
                    Ok(()) => Ok(conn),
                    Err(error) => {
                        let _ = tokio::time::timeout(Duration::from_secs(10), conn.close()).await;
                        Err(error)
                    }
                }
            }
            Ok(conn) => Ok(conn),
            Err(e) => Err(connect_error(&e)),
        };
        let _ = tx.send((generation, result));
    });
}

/// A failure to connect, typed: context errors (bad or missing values) are `Invalid`.
fn connect_error(e: &AzureError) -> AppError {
    let mut error = AppError::from(e);
    if error.kind == ErrorKind::Invalid {
        error.hint = "check the context: `amlc doctor` says where each value comes from".into();
    }
    error
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending::<()>().await,
    }
}

/// Wall and monotonic time for the app.
struct Clock {
    base: Instant,
}

impl Clock {
    fn new() -> Self {
        Clock {
            base: Instant::now(),
        }
    }

    fn set(&self, app: &mut App) {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mono = self.base.elapsed().as_millis() as u64;
        app.set_clock(wall, mono);
    }

    fn instant(&self, mono_ms: u64) -> Instant {
        self.base + Duration::from_millis(mono_ms)
    }
}

/// The terminal in TUI mode; dropping it restores the terminal (also on `?` early returns).
struct TerminalGuard {
    terminal: ratatui::DefaultTerminal,
    mouse: bool,
}

impl TerminalGuard {
    fn enter(mouse: bool) -> color_eyre::Result<Self> {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            return Err(eyre!(
                "the terminal UI needs a terminal; for scripts use `amlc computes list -o json`"
            ));
        }
        // ratatui's hook restores the terminal on panic (and then runs color-eyre's, installed
        // before). Ours runs first to release the mouse.
        let terminal = ratatui::try_init().wrap_err("cannot set the terminal up")?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            previous(info);
        }));
        let mut guard = TerminalGuard {
            terminal,
            mouse: false,
        };
        if mouse {
            crossterm::execute!(std::io::stdout(), EnableMouseCapture)
                .wrap_err("cannot capture the mouse")?;
            guard.mouse = true;
        }
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        }
        let _ = self.terminal.show_cursor();
        ratatui::restore();
    }
}
