//! Log benchmarks (issue 10, item 8), sized for 2 cores:
//! - `ingest_1m`: 1,000,000 log lines of ~100 bytes, arriving as 64 KiB chunks, split into
//!   lines and pushed into a store with the default 64 MiB budget (so old lines drop, as in a
//!   long run). Target: ≥ 1 M lines/s. Reported as elements (lines) per second.
//! - `search_1m_*`: one search over a store holding all 1,000,000 lines (a needle that matches
//!   1 line in 1000, case-sensitive and ASCII case-insensitive, and a non-ASCII needle).
//!
//! Before the timings, the store's bytes against its budget and the heap (current and peak,
//! measured by a counting allocator in this bench only, the input text not included) are
//! printed for both stores.
//! The frame benchmark of the log view belongs with the TUI view.

use amlc::logs::{DEFAULT_BUDGET, Line, LineSplitter, LineStore};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const LINES: usize = 1_000_000;
const CHUNK: usize = 64 * 1024;

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// 1,000,000 lines of ~100 bytes, like a training loop's output.
fn log_text() -> Vec<u8> {
    let mut text = Vec::with_capacity(LINES * 104);
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..LINES {
        let marker = if i % 1000 == 0 { "checkpoint" } else { "step" };
        let line = format!(
            "2026-11-29T14:{:02}:{:02}.{:03}Z INFO rank {} {marker} {i:07} loss={:.6} lr=0.0001 throughput={:.1} samples/s\n",
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000,
            i % 4,
            rng.f64(),
            rng.f64() * 2000.0,
        );
        text.extend_from_slice(line.as_bytes());
    }
    text
}

fn ingest(text: &[u8], budget: usize) -> LineStore {
    let mut splitter = LineSplitter::default();
    let mut store = LineStore::new(budget);
    let mut lines: Vec<Line> = Vec::with_capacity(1024);
    for chunk in text.chunks(CHUNK) {
        splitter.push(chunk, &mut lines);
        for line in lines.drain(..) {
            store.push(0, line);
        }
    }
    splitter.finish(&mut lines);
    for line in lines.drain(..) {
        store.push(0, line);
    }
    store
}

/// Ingests `text` into a store of `budget` and prints its bytes and the heap it took.
fn report(what: &str, text: &[u8], budget: usize) -> LineStore {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let store = ingest(text, budget);
    let live = LIVE.load(Ordering::Relaxed).saturating_sub(base);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    eprintln!(
        "{what}: {} lines kept, {} dropped; store bytes {} of a {} budget; heap {} now, {} peak",
        store.len(),
        store.dropped(),
        mib(store.bytes()),
        mib(store.budget()),
        mib(live),
        mib(peak),
    );
    store
}

fn benches(c: &mut Criterion) {
    let text = log_text();
    eprintln!(
        "input: {} lines, {} ({} bytes per line)",
        LINES,
        mib(text.len()),
        text.len() / LINES
    );
    drop(report("default budget", &text, DEFAULT_BUDGET));
    let all = report("all lines kept", &text, 512 << 20);
    assert_eq!(all.len(), LINES);

    let mut group = c.benchmark_group("logs");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("ingest_1m", |b| {
        b.iter(|| black_box(ingest(&text, DEFAULT_BUDGET)).len())
    });
    group.bench_function("search_1m_case_sensitive", |b| {
        b.iter(|| {
            let hits = all.search(black_box("checkpoint"), false);
            assert_eq!(hits.len(), LINES / 1000);
            hits
        })
    });
    group.bench_function("search_1m_ignore_case", |b| {
        b.iter(|| {
            let hits = all.search(black_box("CHECKPOINT"), true);
            assert_eq!(hits.len(), LINES / 1000);
            hits
        })
    });
    group.bench_function("search_1m_ignore_case_unicode", |b| {
        b.iter(|| black_box(all.search(black_box("ÉPOCH"), true)))
    });
    group.finish();
}

criterion_group!(logs, benches);
criterion_main!(logs);
