//! TUI benchmarks at 10,000 computes (target: each under 2 ms median):
//! - `draw_clusters_10k`: one full frame (200x50) of the Clusters tab holding 10,000 clusters;
//! - `refresh_10k`: `App::update` applying a fresh list of 10,000 computes (partition into
//!   tabs, sort, selection kept). The replaced list is handed back by `take_retired` and freed
//!   by the terminal loop on a blocking thread, so its ~50 ms of freeing is not on this path;
//! - `filter_10k`: re-filtering 10,000 rows for a new query (fuzzy, as typed in `/`; the
//!   haystacks are cached per tab from the first keystroke after a refresh);
//! - `filter_10k_first`: the first filtering after a refresh, building that cache.
//! - `action_to_frame_10k`: from the `y` that confirms a stop of a running instance (in a
//!   workspace of 10,000 computes) to the drawn frame whose row reads `Stopping` (target:
//!   under 50 ms, i.e. the next frame): `App::update` records the operation and shows the
//!   transitional state, then one full frame is drawn.
//!
//! The computes are generated with a fixed seed, in shuffled order, so sorting does real work.

use amlc::app::operations::{OpEvent, OpResult};
use amlc::app::{App, AppOptions, ContextInfo, Effect, Msg, SourceKey, TabId};
use amlc::azure::models::ComputeResource;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

const N: usize = 10_000;
const NOW_MS: i64 = 1_780_315_200_000;

fn computes(n: usize) -> Vec<ComputeResource> {
    let mut rng = fastrand::Rng::with_seed(7);
    let sizes = [
        "Standard_DS3_v2",
        "Standard_NC6s_v3",
        "Standard_F4s_v2",
        "Standard_ND96asr_v4",
    ];
    let mut list: Vec<ComputeResource> = (0..n)
        .map(|i| {
            let running = rng.i64(0..4);
            let idle = rng.i64(0..3);
            let value = json!({
                "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cluster-{i:05}"),
                "name": format!("cluster-{i:05}"),
                "type": "Microsoft.MachineLearningServices/workspaces/computes",
                "location": "eastus",
                "systemData": {"createdAt": "2026-05-01T10:00:00Z", "createdBy": "alice@contoso.com"},
                "properties": {
                    "computeType": "AmlCompute",
                    "provisioningState": if i % 97 == 0 { "Failed" } else { "Succeeded" },
                    "createdOn": "2026-05-01T10:00:00.0000000+00:00",
                    "provisioningErrors": if i % 97 == 0 { json!([{"error": {"code": "QuotaExceeded", "message": "no quota"}}]) } else { json!(null) },
                    "properties": {
                        "vmSize": sizes[i % sizes.len()],
                        "vmPriority": if i % 5 == 0 { "LowPriority" } else { "Dedicated" },
                        "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 8, "nodeIdleTimeBeforeScaleDown": "PT120S"},
                        // A few clusters resizing (in progress), as in a real workspace.
                        "allocationState": if i % 1000 == 999 { "Resizing" } else { "Steady" },
                        "currentNodeCount": running + idle,
                        "targetNodeCount": running + idle,
                        "nodeStateCounts": {"idleNodeCount": idle, "runningNodeCount": running, "preparingNodeCount": 0, "unusableNodeCount": 0, "leavingNodeCount": 0, "preemptedNodeCount": 0}
                    }
                }
            });
            ComputeResource::from_value(value)
        })
        .collect();
    rng.shuffle(&mut list);
    list
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        KeyModifiers::NONE,
        KeyEventKind::Press,
    ))
}

fn computes_loaded(
    id: amlc::app::RequestId,
    result: Result<Vec<ComputeResource>, amlc::app::AppError>,
) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Computes,
        result: result.map(amlc::app::SourceData::Computes),
    }
}

fn computes_fetch(effects: &[Effect]) -> Option<amlc::app::RequestId> {
    effects.iter().find_map(|e| match e {
        Effect::Fetch(id, SourceKey::Computes) => Some(*id),
        _ => None,
    })
}

/// An app of 200x50 on the Clusters tab with `list` loaded.
fn loaded_app(list: Vec<ComputeResource>) -> App {
    loaded_app_of(list, N)
}

/// An app of 200x50 on the Clusters tab with `list` loaded, `clusters` of them clusters.
fn loaded_app_of(list: Vec<ComputeResource>, clusters: usize) -> App {
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 1_000);
    app.update(Msg::Resize(200, 50));
    let effects = app.update(Msg::Connected(ContextInfo {
        cloud: "AzureCloud".into(),
        subscription: "s".into(),
        resource_group: "rg".into(),
        workspace: "ws".into(),
        auth: "Azure CLI".into(),
        emulator: false,
        banner: None,
    }));
    let id = computes_fetch(&effects).expect("fetch");
    app.update(computes_loaded(id, Ok(list)));
    app.update(key('2'));
    assert_eq!(app.active, TabId::Clusters);
    assert_eq!(app.active_tab().items.len(), clusters);
    app
}

fn benches(c: &mut Criterion) {
    let list = computes(N);

    let mut app = loaded_app(list.clone());
    // Somewhere in the middle, with the spinner turning.
    for _ in 0..4 {
        app.update(Msg::Key(KeyEvent::new_with_kind(
            KeyCode::PageDown,
            KeyModifiers::NONE,
            KeyEventKind::Press,
        )));
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let theme = amlc::ui::Theme::default();
    let mut frame = 0usize;
    c.bench_function("draw_clusters_10k", |b| {
        b.iter(|| {
            // A different spinner frame each time so the diff has something to do.
            frame += 1;
            app.spinner_frame = frame;
            terminal
                .draw(|f| amlc::ui::draw(black_box(&app), &theme, f))
                .unwrap();
        })
    });

    let mut app = loaded_app(list.clone());
    c.bench_function("refresh_10k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // Untimed: start a request and copy the answer.
                let id = computes_fetch(&app.update(key('r'))).expect("r fetches");
                let answer = list.clone();
                let start = Instant::now();
                let effects = app.update(computes_loaded(id, Ok(answer)));
                total += start.elapsed();
                black_box(effects);
                // The old list is freed by the terminal loop off the UI task: not measured.
                drop(app.take_retired());
            }
            total
        })
    });

    let mut app = loaded_app(list.clone());
    let viewport = app.list_viewport();
    let queries = ["clu 12", "cl-0042", "resiz 9", "'00 !Steady"];
    let mut q = 0usize;
    c.bench_function("filter_10k", |b| {
        b.iter(|| {
            q = (q + 1) % queries.len();
            app.set_filter(black_box(queries[q]), viewport);
            black_box(app.active_tab().view.len())
        })
    });
}

fn first_filter(c: &mut Criterion) {
    let list = computes(N);
    let mut app = loaded_app(list.clone());
    let viewport = app.list_viewport();
    c.bench_function("filter_10k_first", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // Untimed: a refresh (which drops the haystack cache) with the filter cleared.
                app.set_filter("", viewport);
                let id = computes_fetch(&app.update(key('r'))).expect("r fetches");
                app.update(computes_loaded(id, Ok(list.clone())));
                drop(app.take_retired());
                let start = Instant::now();
                app.set_filter(black_box("clu 12"), viewport);
                total += start.elapsed();
            }
            total
        })
    });
}

/// A running compute instance, to be stopped.
fn instance(name: &str) -> ComputeResource {
    ComputeResource::from_value(json!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/{name}"),
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": "eastus",
        "properties": {
            "computeType": "ComputeInstance",
            "provisioningState": "Succeeded",
            "properties": {"vmSize": "Standard_DS3_v2", "state": "Running"}
        }
    }))
}

fn action_to_frame(c: &mut Criterion) {
    let mut list = computes(N - 1);
    list.push(instance("ci-bench"));
    let mut app = loaded_app_of(list.clone(), N - 1);
    app.update(key('1'));
    assert_eq!(app.active, TabId::Instances);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let theme = amlc::ui::Theme::default();
    let row_reads = |terminal: &Terminal<TestBackend>, text: &str| {
        let buffer = terminal.backend().buffer();
        let width = buffer.area.width as usize;
        let cells: String = buffer.content.iter().map(|c| c.symbol()).collect();
        let lines: Vec<String> = cells
            .chars()
            .collect::<Vec<char>>()
            .chunks(width)
            .map(|l| l.iter().collect())
            .collect();
        lines
            .iter()
            .any(|l| l.contains("ci-bench") && l.contains(text))
    };
    c.bench_function("action_to_frame_10k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // Untimed: the confirmation of a stop is open.
                app.update(key('x'));
                assert!(app.modal.is_some(), "x opens the confirmation");
                let start = Instant::now();
                let effects = app.update(key('y'));
                terminal
                    .draw(|f| amlc::ui::draw(black_box(&app), &theme, f))
                    .unwrap();
                total += start.elapsed();
                assert!(row_reads(&terminal, "Stopping"), "the row reads Stopping");
                // Untimed: the operation ends and a fresh list puts the instance back.
                let op = effects
                    .iter()
                    .find_map(|e| match e {
                        Effect::Act { op, .. } => Some(*op),
                        _ => None,
                    })
                    .expect("the stop was sent");
                let ended = app.update(Msg::Op {
                    op,
                    event: OpEvent::Ended(Box::new(Ok(OpResult::default()))),
                });
                let id = computes_fetch(&ended)
                    .or_else(|| computes_fetch(&app.update(key('r'))))
                    .expect("the list is fetched again");
                app.update(computes_loaded(id, Ok(list.clone())));
                drop(app.take_retired());
                assert!(app.modal.is_none());
            }
            total
        })
    });
}

/// A frame of the log view at the bottom of 1,000,000 lines (two ranks merged, prefixed,
/// a search active): the target is under 2 ms.
fn log_view_frame(c: &mut Criterion) {
    use amlc::app::View;
    use amlc::app::logview::{FollowId, LogSelect, LogView};
    use amlc::logs::Line;
    use amlc::logs::follow::Batch;
    use std::sync::Arc;
    let mut app = App::new(AppOptions::default());
    app.update(Msg::Resize(200, 50));
    let mut view = LogView::new(
        FollowId(1),
        "dreamy_snail_tm8r2p4k1q".into(),
        LogSelect::AllRanks,
        256 << 20,
    );
    let ranks: [Arc<str>; 2] = [
        Arc::from("user_logs/std_log_process_0.txt"),
        Arc::from("user_logs/std_log_process_1.txt"),
    ];
    let mut n = 0u64;
    for _ in 0..100 {
        let mut batch = Batch {
            status: "Running".into(),
            ..Batch::default()
        };
        for _ in 0..10_000 {
            let text = format!(
                "2025-01-01 12:00:00 INFO epoch {} step {}/5 loss={:.4} lr=0.00097",
                n / 5,
                n % 5,
                1.0 / (1.0 + n as f64)
            );
            batch.lines.push((
                ranks[(n % 2) as usize].clone(),
                Line {
                    len: text.len(),
                    text,
                    cut: false,
                    raw: None,
                },
            ));
            n += 1;
        }
        view.take_batch(batch, 0);
    }
    assert_eq!(view.store.len(), 1_000_000);
    app.logs = Some(Box::new(view));
    app.views.push(View::Logs);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let theme = amlc::ui::Theme::default();
    c.bench_function("log_view_frame_1m", |b| {
        b.iter(|| {
            terminal
                .draw(|f| amlc::ui::draw(black_box(&app), &theme, f))
                .unwrap();
        })
    });
}

criterion_group! {
    name = tui;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500));
    targets = benches, first_filter, action_to_frame, log_view_frame
}
criterion_main!(tui);
