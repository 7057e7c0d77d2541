//! The log view through `App::update` (pure, frozen clock), with batches fed as the runtime's
//! follow task sends them: `l` opens it and asks for a follow, lines show with rank prefixes,
//! scrolling up pauses (new lines counted) and `f` follows again, search highlights and `n`/`N`
//! move with a count, wrap, a cut line's marker, the dropped count under a tiny budget, the
//! waiting state of a queued job, an error that keeps the lines, Esc closes and stops the
//! follow, save asks the runtime with the path and selection (and overwrite after a yes).
//! Snapshots: merged view following, paused with a search, the picker, the waiting state.

mod ui_common;

use amlc::app::logview::{FollowId, LogEvent, SaveError, SaveReport};
use amlc::app::{App, AppOptions, Effect, Msg, View};
use amlc::logs::follow::Batch;
use amlc::logs::{FileSelect, Line};
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use std::path::PathBuf;
use std::sync::Arc;
use ui_common::*;

const RANK0: &str = "user_logs/std_log_process_0.txt";
const RANK1: &str = "user_logs/std_log_process_1.txt";

fn line(text: &str) -> Line {
    Line {
        text: text.into(),
        len: text.len(),
        cut: false,
        raw: None,
    }
}

fn batch(status: &str, lines: &[(&str, &str)]) -> Batch {
    Batch {
        lines: lines
            .iter()
            .map(|(file, text)| (Arc::from(*file), line(text)))
            .collect(),
        status: status.into(),
        ended: false,
        new_files: Vec::new(),
        more: false,
        failed_files: Vec::new(),
    }
}

/// The app on the Jobs tab with the log view of the selected job open; the follow's id.
fn open(app: &mut App) -> (FollowId, String) {
    app.update(ch('5'));
    let effects = app.update(ch('l'));
    effects
        .iter()
        .find_map(|e| match e {
            Effect::LogsFollow { id, job, select } => {
                assert_eq!(*select, FileSelect::AllRanks);
                Some((*id, job.clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no follow in {effects:?}"))
}

fn feed(app: &mut App, id: FollowId, b: Batch) -> Vec<Effect> {
    app.update(Msg::Logs {
        id,
        event: LogEvent::Batch(b),
    })
}

/// `n` numbered lines per rank, interleaved.
fn two_ranks(n: usize) -> Batch {
    let mut lines = Vec::new();
    for i in 0..n {
        lines.push((RANK0, format!("rank0 step {i} loss=0.{i:03}")));
        lines.push((RANK1, format!("rank1 step {i} loss=0.{i:03}")));
    }
    let refs: Vec<(&str, &str)> = lines.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let mut b = batch("Running", &refs);
    b.new_files = vec![RANK0.into(), RANK1.into()];
    b
}

#[test]
fn l_opens_the_log_view_and_asks_for_a_follow_and_lines_show_with_rank_prefixes() {
    let mut app = app(100, 20);
    let (id, job) = open(&mut app);
    assert_eq!(app.top_view(), Some(&View::Logs));
    assert!(screen(&app).contains(&job), "{}", screen(&app));
    feed(&mut app, id, two_ranks(3));
    let s = screen(&app);
    assert!(s.contains("[0] rank0 step 2 loss=0.002"), "{s}");
    assert!(s.contains("[1] rank1 step 2 loss=0.002"), "{s}");
    assert!(s.contains("following"), "{s}");
    assert!(s.contains("6 lines"), "{s}");
    // A batch of another (stale) follow is dropped.
    feed(
        &mut app,
        FollowId(id.0 + 100),
        batch("Running", &[(RANK0, "stale line")]),
    );
    assert!(!screen(&app).contains("stale line"));
}

#[test]
fn l_on_a_compute_tab_says_logs_are_for_jobs() {
    let mut app = app(100, 20);
    let effects = app.update(ch('l'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::LogsFollow { .. })),
        "{effects:?}"
    );
    assert!(
        app.toast
            .as_ref()
            .unwrap()
            .text
            .contains("logs are for jobs")
    );
}

#[test]
fn l_from_the_job_detail_opens_the_logs_and_esc_goes_back_to_it() {
    let mut app = app(100, 20);
    app.update(ch('5'));
    app.update(press(KeyCode::Enter));
    assert!(matches!(app.top_view(), Some(View::Detail { .. })));
    let effects = app.update(ch('l'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LogsFollow { .. }))
    );
    let effects = app.update(press(KeyCode::Esc));
    assert!(matches!(app.top_view(), Some(View::Detail { .. })));
    assert!(effects.iter().any(|e| matches!(e, Effect::LogsStop(_))));
    assert!(app.logs.is_none(), "closing the view frees its store");
}

#[test]
fn scrolling_up_pauses_new_lines_are_counted_and_f_follows_again() {
    let mut app = app(100, 20);
    let (id, _) = open(&mut app);
    feed(&mut app, id, two_ranks(50));
    assert!(screen(&app).contains("rank1 step 49"));
    app.update(ch('k'));
    app.update(press(KeyCode::PageUp));
    let s = screen(&app);
    assert!(s.contains("paused"), "{s}");
    assert!(!s.contains("rank1 step 49"), "{s}");
    feed(
        &mut app,
        id,
        batch("Running", &[(RANK0, "fresh"), (RANK1, "fresher")]),
    );
    let s = screen(&app);
    assert!(s.contains("+2 new"), "{s}");
    assert!(!s.contains("fresher"), "paused stays put: {s}");
    app.update(ch('f'));
    let s = screen(&app);
    assert!(s.contains("following") && s.contains("[1] fresher"), "{s}");
    // End and G follow too.
    app.update(ch('g'));
    assert!(screen(&app).contains("rank0 step 0 "));
    app.update(press(KeyCode::End));
    assert!(screen(&app).contains("fresher"));
}

#[test]
fn search_highlights_and_n_and_shift_n_move_between_matches_with_a_count() {
    let mut app = app(100, 20);
    let (id, _) = open(&mut app);
    feed(&mut app, id, two_ranks(100));
    feed(
        &mut app,
        id,
        batch("Running", &[(RANK0, "ERROR: nan loss at step 7")]),
    );
    feed(&mut app, id, two_ranks(100));
    app.update(ch('/'));
    type_text(&mut app, "nan loss");
    app.update(press(KeyCode::Enter));
    let s = screen(&app);
    assert!(s.contains("ERROR: nan loss at step 7"), "{s}");
    assert!(s.contains("/nan loss 1 of 1"), "{s}");
    assert!(
        s.contains("paused"),
        "a search jumps away from the bottom: {s}"
    );
    // Smart case: a lower-case query matches any case; several matches, n and N cycle.
    app.update(ch('/'));
    for _ in 0.."nan loss".len() {
        app.update(press(KeyCode::Backspace));
    }
    type_text(&mut app, "step 42 ");
    app.update(press(KeyCode::Enter));
    let s = screen(&app);
    assert!(s.contains("of 4"), "two ranks, two batches: {s}");
    let count = |s: &str| {
        s.lines()
            .find(|l| l.contains("/step 42"))
            .map(str::to_owned)
            .unwrap()
    };
    let first = count(&s);
    app.update(ch('n'));
    let second = count(&screen(&app));
    assert_ne!(first, second);
    app.update(ch('N'));
    assert_eq!(count(&screen(&app)), first);
    // The match is highlighted (reversed) on screen.
    let terminal = render(&app);
    let buffer = terminal.backend().buffer();
    let highlighted = (0..buffer.area.height).any(|y| {
        (0..buffer.area.width).any(|x| {
            let cell = &buffer[(x, y)];
            cell.symbol() == "s"
                && cell
                    .style()
                    .add_modifier
                    .contains(ratatui::style::Modifier::REVERSED)
        })
    });
    assert!(highlighted);
}

#[test]
fn wrap_toggles_and_a_cut_line_shows_its_marker() {
    let mut app = app(80, 16);
    let (id, _) = open(&mut app);
    let long = format!("start {} end", "x".repeat(200));
    feed(&mut app, id, batch("Running", &[(RANK0, &long)]));
    let s = screen(&app);
    assert!(!s.contains(" end"), "cut at the right edge: {s}");
    assert!(s.contains('…'), "with a marker: {s}");
    app.update(ch('w'));
    let s = screen(&app);
    assert!(s.contains("x end"), "folded: {s}");
    assert!(s.contains("wrap"), "{s}");
    app.update(ch('w'));
    let mut cut = line(&"y".repeat(300));
    cut.cut = true;
    cut.len = 100_000;
    app.update(Msg::Logs {
        id,
        event: LogEvent::Batch(Batch {
            lines: vec![(Arc::from(RANK1), cut)],
            status: "Running".into(),
            ..Batch::default()
        }),
    });
    let s = screen(&app);
    assert!(s.contains("[line cut at 64 KiB: s saves it whole]"), "{s}");
}

#[test]
fn the_dropped_count_shows_when_the_budget_is_exceeded() {
    let options = AppOptions {
        log_budget_mb: 1,
        ..AppOptions::default()
    };
    let mut app = app_with(options, 120, 20);
    let (id, _) = open(&mut app);
    let text = "z".repeat(1000);
    for _ in 0..3 {
        let lines: Vec<(&str, &str)> = (0..500).map(|_| (RANK0, text.as_str())).collect();
        feed(&mut app, id, batch("Running", &lines));
    }
    let view = app.logs.as_ref().unwrap();
    assert!(view.store.dropped() > 0);
    assert!(view.store.bytes() <= 1 << 20);
    let s = screen(&app);
    assert!(s.contains("older lines dropped (1 MiB budget)"), "{s}");
}

#[test]
fn a_queued_job_says_it_is_waiting_and_switches_to_the_text_when_it_appears() {
    let mut app = app(100, 16);
    let (id, _) = open(&mut app);
    assert!(screen(&app).contains("Reading the run's log files"));
    feed(&mut app, id, batch("Queued", &[]));
    let s = screen(&app);
    assert!(s.contains("Waiting for the job to start (Queued)"), "{s}");
    assert_snapshot!("waiting", s);
    feed(
        &mut app,
        id,
        batch("Running", &[(RANK0, "hello from rank 0")]),
    );
    let s = screen(&app);
    assert!(
        s.contains("[0] hello from rank 0") && !s.contains("Waiting"),
        "{s}"
    );
    // A run that ended without any log says so.
    let mut app = ui_common::app(100, 16);
    let (id, _) = open(&mut app);
    let mut b = batch("Completed", &[]);
    b.ended = true;
    feed(&mut app, id, b);
    assert!(screen(&app).contains("This run wrote no logs (Completed)"));
}

#[test]
fn an_error_shows_its_cause_first_and_the_view_keeps_its_lines() {
    let mut app = app(120, 16);
    let (id, _) = open(&mut app);
    feed(&mut app, id, two_ranks(2));
    app.update(Msg::Logs {
        id,
        event: LogEvent::Error(api_error(
            403,
            "AuthorizationFailure",
            "This request is not authorized to perform this operation.",
            "/logs",
        )),
    });
    let s = screen(&app);
    assert!(s.contains("rank1 step 1"), "lines kept: {s}");
    // Above the view's status row: the cause, then what to do.
    let rows: Vec<&str> = s.lines().rev().skip(4).take(2).collect();
    let row = |r: &str| r.trim_start_matches(['│', '|']).to_owned();
    assert!(
        row(rows[1]).starts_with("403 Forbidden"),
        "the cause first:\n{s}"
    );
    assert!(
        row(rows[0]).starts_with("what to do: "),
        "then what to do:\n{s}"
    );
    assert!(s.contains("error (the view keeps its lines)"), "{s}");
    // The next batch with lines clears it.
    feed(&mut app, id, batch("Running", &[(RANK0, "back")]));
    assert!(!screen(&app).contains("not authorized"));
}

/// A file the follow gave up (its reads failed for good) is said; the others go on and the
/// view keeps its lines.
#[test]
fn a_file_given_up_is_said_and_the_others_go_on() {
    let mut app = app(120, 16);
    let (id, _) = open(&mut app);
    feed(&mut app, id, two_ranks(2));
    let mut b = batch("Running", &[(RANK0, "still here")]);
    b.failed_files = vec![(
        "user_logs/std_log_process_1.txt".into(),
        "403 Forbidden".into(),
    )];
    feed(&mut app, id, b);
    let s = screen(&app);
    assert!(s.contains("still here"), "{s}");
    assert!(s.contains("rank 1: cannot be read any more"), "{s}");
}

#[test]
fn esc_closes_and_cancels_the_follow_and_never_quits() {
    let mut app = app(100, 16);
    let (id, _) = open(&mut app);
    let effects = app.update(press(KeyCode::Esc));
    assert!(effects.contains(&Effect::LogsStop(id)), "{effects:?}");
    assert!(!effects.contains(&Effect::Quit));
    assert_eq!(app.top_view(), None);
    assert!(app.logs.is_none());
    // A tab switch closes it too.
    let (id, _) = open(&mut app);
    let effects = app.update(ch('1'));
    assert!(effects.contains(&Effect::LogsStop(id)), "{effects:?}");
}

#[test]
fn save_asks_the_runtime_with_the_path_and_selection_and_overwrite_needs_a_yes() {
    let mut app = app(100, 16);
    let (id, job) = open(&mut app);
    feed(&mut app, id, two_ranks(2));
    app.update(ch('s'));
    let expected = format!("{job}-all.log");
    assert!(screen(&app).contains(&format!("save to: {expected}")));
    let effects = app.update(press(KeyCode::Enter));
    let save = effects
        .iter()
        .find(|e| matches!(e, Effect::LogsSave { .. }))
        .cloned()
        .unwrap_or_else(|| panic!("{effects:?}"));
    assert_eq!(
        save,
        Effect::LogsSave {
            id,
            job: job.clone(),
            select: FileSelect::AllRanks,
            path: PathBuf::from(&expected),
            overwrite: false,
        }
    );
    app.update(Msg::Logs {
        id,
        event: LogEvent::Saved(Err(SaveError::Exists(PathBuf::from(&expected)))),
    });
    assert!(screen(&app).contains("exists: overwrite? y/N"));
    let effects = app.update(ch('y'));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::LogsSave {
            overwrite: true,
            ..
        }
    )));
    app.update(Msg::Logs {
        id,
        event: LogEvent::Saved(Ok(SaveReport {
            path: PathBuf::from(&expected),
            lines: 4,
            bytes: 96,
            how: "re-read".into(),
        })),
    });
    let toast = &app.toast.as_ref().unwrap().text;
    assert!(toast.contains(&expected) && toast.contains("4 lines") && toast.contains("96 bytes"));
}

#[test]
fn the_picker_lists_the_files_and_picking_one_follows_it_alone() {
    let mut app = app(100, 20);
    let (id, job) = open(&mut app);
    let mut b = two_ranks(3);
    b.new_files
        .push("system_logs/lifecycler/execution-wrapper.txt".into());
    feed(&mut app, id, b);
    app.update(ch('p'));
    let s = screen(&app);
    assert!(s.contains("all ranks (merged, prefixed) (shown)"), "{s}");
    assert!(s.contains(RANK1), "{s}");
    assert_snapshot!("picker", s);
    app.update(ch('j'));
    app.update(ch('j'));
    let effects = app.update(press(KeyCode::Enter));
    assert!(effects.contains(&Effect::LogsStop(id)), "{effects:?}");
    let new_id = effects
        .iter()
        .find_map(|e| match e {
            Effect::LogsFollow {
                id,
                job: j,
                select: FileSelect::File(f),
            } if *j == job && f == RANK1 => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{effects:?}"));
    feed(
        &mut app,
        new_id,
        batch("Running", &[(RANK1, "only rank one")]),
    );
    let s = screen(&app);
    assert!(
        s.contains("│only rank one") || s.contains("|only rank one"),
        "no prefix: {s}"
    );
}

#[test]
fn snapshot_merged_following_and_paused_with_a_search() {
    let mut app = app(90, 18);
    let (id, _) = open(&mut app);
    feed(&mut app, id, two_ranks(30));
    assert_snapshot!("merged_following", screen(&app));
    app.update(ch('/'));
    type_text(&mut app, "step 12 ");
    app.update(press(KeyCode::Enter));
    assert_snapshot!("paused_search", screen(&app));
}

#[test]
fn t_shows_a_time_column_from_the_log_or_the_received_time() {
    let mut app = app(100, 16);
    let (id, _) = open(&mut app);
    feed(
        &mut app,
        id,
        batch(
            "Running",
            &[
                (RANK0, "2025-01-01 12:34:56 INFO epoch 1"),
                (RANK1, "no time here"),
            ],
        ),
    );
    let s = screen(&app);
    assert!(
        s.contains("[0] 2025-01-01 12:34:56 INFO epoch 1"),
        "as written: {s}"
    );
    app.update(ch('t'));
    let s = screen(&app);
    assert!(
        s.contains("[0] 12:34:56 INFO epoch 1"),
        "the log's own time: {s}"
    );
    assert!(
        s.lines()
            .any(|l| l.contains("~no time here") && l.contains("[1] ")),
        "the received time: {s}"
    );
    assert!(s.contains("times from the log (~ = received)"), "{s}");
}

mod runtime_on_the_emulator {
    //! The runtime's follow and save tasks against the emulator's live demo job over HTTP.
    use amlc::app::logview::{FollowId, LogEvent, SaveError};
    use amlc::app::runtime::Runtime;
    use amlc::app::{Effect, Msg};
    use amlc::azure::http::{Pipeline, PipelineOptions, StaticBearer};
    use amlc::azure::{AmlClient, Cloud, WorkspaceContext};
    use amlc::emulator::{self, EmulatorConfig};
    use amlc::logs::FileSelect;
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const JOB: &str = "dreamy_snail_tm8r2p4k1q";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn follow_sends_both_ranks_stop_ends_it_and_save_rereads_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let handle = emulator::start(EmulatorConfig {
            demo: true,
            speed: 40.0,
            ..EmulatorConfig::new(dir.path())
        })
        .await
        .unwrap();
        let pipeline = Pipeline::new(
            Some(Arc::new(StaticBearer::new(handle.token()))),
            PipelineOptions::default(),
        )
        .unwrap();
        let client = AmlClient::new(
            WorkspaceContext::new(
                Cloud::Custom(handle.url().clone()),
                emulator::DEMO_SUBSCRIPTION,
                emulator::DEMO_RESOURCE_GROUP,
                emulator::DEMO_WORKSPACE,
            ),
            pipeline,
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_secs(10));
        rt.set_source(client);
        let id = FollowId(7);
        assert_eq!(
            rt.execute(Effect::LogsFollow {
                id,
                job: JOB.into(),
                select: FileSelect::AllRanks,
            }),
            None
        );
        assert_eq!(rt.follows(), 1);
        let started = Instant::now();
        let mut files = BTreeSet::new();
        while files.len() < 2 {
            assert!(started.elapsed() < Duration::from_secs(30), "{files:?}");
            let msg = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .unwrap()
                .unwrap();
            if let Msg::Logs {
                id: got,
                event: LogEvent::Batch(batch),
            } = msg
            {
                assert_eq!(got, id);
                files.extend(batch.lines.iter().map(|(f, _)| f.to_string()));
            }
        }
        rt.execute(Effect::LogsStop(id));
        assert_eq!(rt.follows(), 0);
        // Give a poll in flight time to land, then nothing more comes.
        tokio::time::sleep(Duration::from_millis(300)).await;
        while rx.try_recv().is_ok() {}
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !matches!(rx.try_recv(), Ok(Msg::Logs { .. })),
            "the follow stopped"
        );

        // Save: the merged view, rank by rank with prefixes; an existing file needs a yes.
        let path = dir.path().join("saved.log");
        let save = |overwrite| Effect::LogsSave {
            id,
            job: JOB.into(),
            select: FileSelect::AllRanks,
            path: path.clone(),
            overwrite,
        };
        let saved = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>| {
            let msg = rx.blocking_recv();
            match msg {
                Some(Msg::Logs {
                    event: LogEvent::Saved(result),
                    ..
                }) => result,
                other => panic!("{other:?}"),
            }
        };
        rt.execute(save(false));
        let report = tokio::task::block_in_place(|| saved(&mut rx)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(report.bytes, text.len() as u64);
        assert_eq!(report.lines, text.lines().count() as u64);
        assert!(
            text.lines()
                .next()
                .unwrap()
                .starts_with("[0] Starting training")
        );
        assert!(text.lines().any(|l| l.starts_with("[1] Starting training")));
        rt.execute(save(false));
        assert_eq!(
            tokio::task::block_in_place(|| saved(&mut rx)),
            Err(SaveError::Exists(path.clone()))
        );
        rt.execute(save(true));
        let again = tokio::task::block_in_place(|| saved(&mut rx)).unwrap();
        assert!(again.lines >= report.lines);

        // One file is saved byte for byte: what the job had written by then (the job keeps
        // writing, so the file on disk read after the save starts with the saved text).
        let one = dir.path().join("rank1.log");
        rt.execute(Effect::LogsSave {
            id,
            job: JOB.into(),
            select: FileSelect::File("user_logs/std_log_process_1.txt".into()),
            path: one.clone(),
            overwrite: false,
        });
        let report = tokio::task::block_in_place(|| saved(&mut rx)).unwrap();
        let saved_bytes = std::fs::read(&one).unwrap();
        assert_eq!(report.bytes, saved_bytes.len() as u64);
        assert!(!saved_bytes.is_empty());
        let runs = dir.path().join("runs");
        let on_disk = std::fs::read_dir(&runs)
            .unwrap()
            .flatten()
            .map(|ws| ws.path().join(JOB).join("user_logs/std_log_process_1.txt"))
            .find(|p| p.is_file())
            .map(|p| std::fs::read(p).unwrap())
            .unwrap_or_else(|| panic!("no rank 1 log under {runs:?}"));
        assert!(on_disk.starts_with(&saved_bytes), "saved whole, in order");

        // An overwrite replaces a symlink at the path, never writes through it; no temporary
        // file is left beside the saves.
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        rt.execute(Effect::LogsSave {
            id,
            job: JOB.into(),
            select: FileSelect::File("user_logs/std_log_process_0.txt".into()),
            path: link.clone(),
            overwrite: true,
        });
        tokio::task::block_in_place(|| saved(&mut rx)).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert!(
            !std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".amlc-save-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        rt.shutdown();
    }
}

/// A save's outcome is said even when its view was closed meanwhile; an "exists" answer for a
/// view that is gone (or another selection) asks nothing and says it was not saved.
#[test]
fn a_save_outcome_is_said_after_the_view_closed() {
    let mut app = app(120, 30);
    let (id, _) = open(&mut app);
    app.update(press(KeyCode::Esc));
    assert!(app.logs.is_none());
    app.update(Msg::Logs {
        id,
        event: LogEvent::Saved(Err(SaveError::Failed(api_error(
            403,
            "AuthorizationFailure",
            "denied",
            "/logs",
        )))),
    });
    let toast = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(toast.starts_with("not saved: "), "{toast}");
    assert!(!app.errors.is_empty());
    app.update(Msg::Logs {
        id,
        event: LogEvent::Saved(Err(SaveError::Exists(PathBuf::from("/tmp/x.log")))),
    });
    let toast = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert_eq!(toast, "not saved: /tmp/x.log exists");
}

#[test]
fn the_job_detail_lists_the_log_files_by_node_and_rank() {
    use amlc::app::{SourceData, SourceKey};
    let mut app = app(120, 60);
    // Showing the Jobs tab asks run history about its visible rows, the selected one first.
    let effects = app.update(ch('5'));
    app.update(press(KeyCode::Enter));
    let Some(View::Detail { name, .. }) = app.top_view().cloned() else {
        panic!("no detail");
    };
    let id = effects.iter().find_map(|e| match e {
        Effect::Fetch(id, SourceKey::RunDetails(job)) if *job == name => Some(*id),
        _ => None,
    });
    let details = serde_json::json!({
        "runId": name,
        "status": "Running",
        "logFiles": {
            "system_logs/lifecycler/execution-wrapper.txt": "http://127.0.0.1:1/a?sig=SECRET",
            "user_logs/std_log_node_1_process_3.txt": "http://127.0.0.1:1/b?sig=SECRET",
            "user_logs/std_log_process_0.txt": "http://127.0.0.1:1/c?sig=SECRET",
            "user_logs/std_log_node_0_process_1.txt": "http://127.0.0.1:1/d?sig=SECRET"
        }
    });
    let id = id.unwrap_or_else(|| panic!("no run-details fetch of {name}: {effects:?}"));
    assert!(screen(&app).contains("not read yet"));
    app.update(Msg::Loaded {
        id,
        key: SourceKey::RunDetails(name.clone()),
        result: Ok(SourceData::RunDetails(Box::new(
            serde_json::from_value(details).unwrap(),
        ))),
    });
    app.update(ch('G'));
    let s = screen(&app);
    assert!(s.contains("Log files (l: log view)"), "{s}");
    let at = |needle: &str| {
        s.find(needle)
            .unwrap_or_else(|| panic!("no {needle} in\n{s}"))
    };
    // Ranks first in (node, rank) order, then the service's own logs; signed URLs never shown.
    assert!(at("user_logs/std_log_process_0.txt") < at("node 0 rank 1"));
    assert!(at("node 0 rank 1") < at("node 1 rank 3"));
    assert!(at("node 1 rank 3") < at("execution-wrapper"));
    assert!(!s.contains("SECRET"), "{s}");
}

#[test]
fn control_characters_never_reach_the_terminal_and_a_tiny_terminal_draws() {
    let mut app = app(60, 12);
    let (id, _) = open(&mut app);
    let mut cut = line(&format!("{}宽字符", "w".repeat(70)));
    cut.cut = true;
    app.update(Msg::Logs {
        id,
        event: LogEvent::Batch(Batch {
            lines: vec![
                (
                    Arc::from(RANK0),
                    line("\u{1b}[31mred\u{1b}[0m and\ttab \u{7} bell"),
                ),
                (Arc::from(RANK1), line("progress 10%\rprogress 100%")),
                (
                    Arc::from("system_logs/x.txt"),
                    line("\u{fffd} invalid bytes"),
                ),
                (Arc::from(RANK1), cut),
            ],
            status: "Running".into(),
            ..Batch::default()
        }),
    });
    app.update(Msg::Logs {
        id,
        event: LogEvent::Error(service_error("503 Service Unavailable")),
    });
    for key in ['w', 't', 'p'] {
        app.update(ch(key));
        let s = screen(&app);
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\r'),
            "{s:?}"
        );
    }
    app.update(press(KeyCode::Esc));
    app.update(ch('w'));
    app.update(ch('t'));
    let s = screen(&app);
    assert!(s.contains("[0] red and"), "colours removed: {s}");
    assert!(s.contains("^G bell"), "a bell shown as a marker: {s}");
    assert!(
        s.contains("[1] progress 100%"),
        "a progress bar shows its end: {s}"
    );
    assert!(s.contains("[x] \u{fffd} invalid"), "{s}");
}
