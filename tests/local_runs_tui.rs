//! Local runs in the TUI's Jobs tab, through the real message flow: `App::update` (pure) and
//! the runtime with the emulator over HTTP on loopback as the workspace and a temporary local
//! run store. A local run shows among the workspace's jobs, marked `local`; `l` follows its
//! log with the local follower; cancel from the action menu (`a`) asks the one confirmation
//! and the runtime cancels it (`LocalRuns::cancel`); its detail shows the run folder; the list
//! then shows it Canceled.

mod emulator_common;

use amlc::actions::ActionId;
use amlc::app::menu::Modal;
use amlc::app::runtime::Runtime;
use amlc::app::{App, AppOptions, ContextInfo, Effect, Msg, TabId, View};
use amlc::emulator::{self, EmulatorConfig};
use amlc::submit::flow::Plan;
use amlc::submit::job_yaml;
use amlc::submit::local::{LocalRuns, LocalStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent {
        code,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: crossterm::event::KeyEventState::NONE,
    })
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(160, 30)).unwrap();
    t.draw(|f| amlc::ui::draw(app, &amlc::ui::Theme::default(), f))
        .unwrap();
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

struct Driver {
    app: App,
    rt: Runtime<amlc::azure::AmlClient>,
    rx: UnboundedReceiver<Msg>,
    mono: u64,
}

impl Driver {
    fn send(&mut self, msg: Msg) {
        let effects = self.app.update(msg);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            let _ = self.rt.execute(e);
        }
    }

    /// Feeds the runtime's answers (and ticks, the clock moving) until `done`.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(&self.app) {
            assert!(
                Instant::now() < deadline,
                "never {what}:\n{}",
                screen(&self.app)
            );
            match tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => {
                    self.mono += 1_000;
                    self.app.set_clock(now_ms(), self.mono);
                    self.send(Msg::Tick);
                }
            }
        }
    }
}

fn row<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    s.lines().find(|l| l.contains(name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_run_shows_in_the_jobs_tab_streams_and_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let handle = emulator::start(EmulatorConfig {
        demo: true,
        speed: 40.0,
        ..EmulatorConfig::new(dir.path().join("emu"))
    })
    .await
    .unwrap();
    let runs = LocalRuns::open(dir.path().join("local-runs")).with_grace(Duration::from_secs(2));
    let yaml = "command: echo tui-line-1; echo tui-line-2; sleep 60\ncompute: local\ndisplay_name: tui local\n";
    let spec = job_yaml::load("job.yml", yaml, dir.path(), &[]).unwrap();
    let plan = Plan {
        spec,
        job_name: "local_tui_1".into(),
        experiment_name: "tui".into(),
        snapshot: None,
        git: Vec::new(),
        notes: Vec::new(),
    };
    let run = runs.start(&plan).unwrap();
    // Ends the run even when an assertion fails (no process left behind).
    struct Cancel(LocalRuns);
    impl Drop for Cancel {
        fn drop(&mut self) {
            let _ = self.0.cancel("local_tui_1");
        }
    }
    let _guard = Cancel(runs.clone());

    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut rt = Runtime::new(tx, Duration::from_secs(10));
    rt.set_source(emulator_common::client_for(
        &handle,
        emulator::DEMO_WORKSPACE,
    ));
    rt.set_local_runs(runs.clone());
    let mut app = App::new(AppOptions::default());
    app.set_clock(now_ms(), 1_000);
    app.update(Msg::Resize(160, 30));
    let mut d = Driver {
        app,
        rt,
        rx,
        mono: 1_000,
    };
    d.send(Msg::Connected(ContextInfo {
        workspace: emulator::DEMO_WORKSPACE.into(),
        emulator: true,
        ..ContextInfo::default()
    }));
    d.send(ch('5'));
    assert_eq!(d.app.active, TabId::Jobs);
    d.until("the local run listed", |app| {
        row(&screen(app), "local_tui_1").is_some_and(|r| r.contains("Running"))
    })
    .await;
    let s = screen(&d.app);
    let r = row(&s, "local_tui_1").unwrap();
    assert!(r.contains("tui local") && r.contains(" local "), "{r}");
    // The workspace's own jobs are there too.
    assert!(s.lines().filter(|l| l.contains("ago")).count() > 1, "{s}");

    // Select it, open its detail: the run folder.
    d.send(ch('g'));
    for _ in 0..50 {
        if d.app.selected_item(TabId::Jobs).map(|i| i.name()) == Some("local_tui_1") {
            break;
        }
        d.send(ch('j'));
    }
    assert_eq!(
        d.app.selected_item(TabId::Jobs).map(|i| i.name()),
        Some("local_tui_1")
    );
    d.send(key(KeyCode::Enter));
    assert!(matches!(d.app.top_view(), Some(View::Detail { .. })));
    let folder = run.dir.display().to_string();
    d.until("the run folder shown", |app| screen(app).contains(&folder))
        .await;
    d.send(key(KeyCode::Esc));

    // `l`: the log view follows the local run's log.
    d.send(ch('l'));
    assert_eq!(d.app.top_view(), Some(&View::Logs));
    d.until("the log lines shown", |app| {
        let s = screen(app);
        s.contains("tui-line-1") && s.contains("tui-line-2")
    })
    .await;
    d.send(key(KeyCode::Esc));

    // The action menu (`a`): cancel offered, archive not (a local run is a folder); Enter on
    // cancel asks the one confirmation, then the runtime cancels the local run.
    d.send(ch('a'));
    let Some(Modal::Menu(menu)) = &d.app.modal else {
        panic!("the menu:\n{}", screen(&d.app));
    };
    let entries: Vec<(ActionId, bool)> = menu
        .entries
        .iter()
        .map(|e| (e.action, e.availability.is_enabled()))
        .collect();
    assert_eq!(
        entries,
        vec![
            (ActionId::CancelJob, true),
            (ActionId::ArchiveJob, false),
            (ActionId::RestoreJob, false)
        ]
    );
    d.send(key(KeyCode::Enter));
    let Some(Modal::Confirm(confirm)) = &d.app.modal else {
        panic!("a confirmation:\n{}", screen(&d.app));
    };
    assert_eq!(confirm.question, "Cancel job local_tui_1?");
    d.send(ch('y'));
    d.until("the local run canceled", |_| {
        runs.get("local_tui_1")
            .is_some_and(|r| r.status == LocalStatus::Canceled)
    })
    .await;
    d.until("the row canceled", |app| {
        row(&screen(app), "local_tui_1").is_some_and(|r| r.contains("Canceled"))
    })
    .await;
    d.rt.shutdown();
    handle.shutdown().await;
}
