//! The log follower against the emulator over real HTTP (issue 10, item 7): with faults on
//! (500, 429, dropped connections) and a client that retries little, so the errors reach the
//! follower, a 2-rank job's lines as followed equal exactly its files on disk — every line
//! once, in order, the partial last line flushed, a line over 64 KiB kept (cut) as one line,
//! a file larger than one ranged read (4 MiB) read in several ranges. A failing job ends with
//! status Failed and its output read to the end. The demo's live 2-rank job is followed on
//! both ranks while it runs.

mod emulator_common;

use amlc::azure::AmlClient;
use amlc::azure::models::CommandJobRequest;
use amlc::emulator::{self, EmulatorConfig, EmulatorHandle, FaultSpec};
use amlc::logs::tail::Cadence;
use amlc::logs::{FileSelect, Follower, Line, LineSplitter};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

async fn start(dir: &Path, faults: Option<&str>) -> EmulatorHandle {
    emulator::start(EmulatorConfig {
        demo: true,
        speed: 40.0,
        faults: faults.map(|f| FaultSpec::parse(f).unwrap()),
        ..EmulatorConfig::new(dir)
    })
    .await
    .unwrap()
}

/// A client that tries each request once, so injected faults reach the follower.
fn impatient_client(handle: &EmulatorHandle) -> AmlClient {
    emulator_common::client_with_attempts(handle, emulator::DEMO_WORKSPACE, 1)
}

fn fast() -> Cadence {
    Cadence::with_intervals(20, 60, 200)
}

/// Follows until the batch says ended; returns lines by file, errors seen and final status.
async fn follow_to_end(follower: &mut Follower) -> (BTreeMap<String, Vec<Line>>, u32, String) {
    let started = Instant::now();
    let mut by_file: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    let mut errors = 0;
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not ended after 90 s: status {:?}, files {:?}",
            follower.status(),
            follower.files()
        );
        match follower.next().await {
            Ok(batch) => {
                for (file, line) in batch.lines {
                    by_file.entry(file.to_string()).or_default().push(line);
                }
                if batch.ended {
                    return (by_file, errors, batch.status);
                }
            }
            Err(e) => {
                errors += 1;
                let shown = e.to_string();
                assert!(!shown.contains("sig="), "a signed URL leaked: {shown}");
            }
        }
    }
}

/// The run directory of `job` under the emulator's data directory.
fn run_dir(data: &Path, job: &str) -> PathBuf {
    let runs = data.join("runs");
    for ws in std::fs::read_dir(&runs).unwrap().flatten() {
        let dir = ws.path().join(job);
        if dir.is_dir() {
            return dir;
        }
    }
    panic!("no run directory of {job} under {runs:?}");
}

/// The lines of a file on disk, split in one go and finished.
fn lines_on_disk(path: &Path) -> Vec<Line> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    splitter.push(&bytes, &mut lines);
    splitter.finish(&mut lines);
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rank_is_followed_exactly_through_faults() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), Some("error=0.1,throttle=0.1,drop=0.05,seed=7")).await;
    let client = impatient_client(&handle);
    // Each rank: numbered lines in bursts, CRLF, invalid UTF-8, a 70 000-byte line; rank 0
    // also a 5 MB burst (more than one 4 MiB ranged read); both end with a partial line.
    let command = r#"
for i in $(seq 1 200); do
  echo "rank $RANK line $i"
  if [ $((i % 40)) = 0 ]; then sleep 0.15; fi
done
printf 'crlf line\r\nbad \377\376 bytes\n'
head -c 70000 /dev/zero | tr '\0' x; echo
if [ "$RANK" = 0 ]; then seq -f "rank 0 bulk line %08g with some padding" 1 130000; fi
sleep 0.2
printf 'no newline at the end of rank %s' "$RANK"
"#;
    let job = CommandJobRequest::new(command, "azureml:sh:1")
        .instance_count(2)
        .display_name("follow test")
        .build();
    // Creating may meet a fault too; PUT of the same job is idempotent.
    let mut created = false;
    for _ in 0..10 {
        if client.create_job("follow-job-1", &job).await.is_ok() {
            created = true;
            break;
        }
    }
    assert!(created, "the job could not be created through the faults");

    let mut follower = Follower::with_cadence(
        client.clone(),
        "follow-job-1".into(),
        FileSelect::AllRanks,
        fast(),
    );
    let (by_file, errors, status) = follow_to_end(&mut follower).await;
    assert_eq!(status, "Completed");
    assert!(errors > 0, "the faults reached the follower");
    let run = run_dir(dir.path(), "follow-job-1");
    for rank in 0..2 {
        let name = format!("user_logs/std_log_process_{rank}.txt");
        let got = by_file
            .get(&name)
            .unwrap_or_else(|| panic!("no lines of {name}: {:?}", by_file.keys()));
        let want = lines_on_disk(&run.join(&name));
        assert_eq!(got.len(), want.len(), "{name}: line count");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{name}: line {i}");
        }
        assert_eq!(got[0].text, format!("rank {rank} line 1"));
        assert_eq!(
            got.last().unwrap().text,
            format!("no newline at the end of rank {rank}")
        );
        assert!(got.iter().any(|l| l.text == "crlf line"));
        assert!(got.iter().any(|l| l.text == "bad \u{fffd}\u{fffd} bytes"));
        let long: Vec<&Line> = got.iter().filter(|l| l.cut).collect();
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].len, 70000);
        assert_eq!(
            follower.offset(&name),
            Some(std::fs::metadata(run.join(&name)).unwrap().len())
        );
    }
    assert!(by_file["user_logs/std_log_process_0.txt"].len() > 130_000);
    let stats = follower.stats();
    eprintln!("follower: {stats:?}, errors returned: {errors}");
    assert!(stats.bytes > 4 * 1024 * 1024, "{stats:?}");
    assert_eq!(stats.bytes, stats.bytes_log);
    assert!(
        stats.bytes_total >= stats.bytes_log + stats.bytes_details,
        "{stats:?}"
    );
    assert!(stats.bytes_details > 0, "{stats:?}");
    assert_eq!(
        stats.idle_polls + stats.active_polls,
        stats.polls,
        "{stats:?}"
    );
    assert!(stats.errors > 0, "{stats:?}");
    // After the end, next() adds nothing, and waits its active interval (no spinning).
    let t = Instant::now();
    let again = follower.next().await.unwrap();
    assert!(again.ended && again.lines.is_empty() && !again.more);
    assert!(t.elapsed() >= Duration::from_millis(60));
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_ends_failed_with_its_output_read() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let client = emulator_common::client_for(&handle, emulator::DEMO_WORKSPACE);
    let job = CommandJobRequest::new(
        "sleep 0.3; echo before the failure; echo oops >&2; exit 3",
        "azureml:sh:1",
    )
    .build();
    client.create_job("follow-fail-1", &job).await.unwrap();
    let mut follower =
        Follower::with_cadence(client, "follow-fail-1".into(), FileSelect::Default, fast());
    let (by_file, errors, status) = follow_to_end(&mut follower).await;
    assert_eq!(errors, 0);
    assert_eq!(status, "Failed");
    assert!(follower.details().and_then(|d| d.error_summary()).is_some());
    assert_eq!(
        follower.files(),
        vec!["user_logs/std_log_process_0.txt".to_string()]
    );
    let texts: Vec<&str> = by_file
        .values()
        .flatten()
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(texts, vec!["before the failure", "oops"]);
    handle.shutdown().await;
}

/// The demo's live 2-rank training job: both ranks' lines arrive while it runs, each the
/// beginning of its file on disk, and the follower does not end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_training_job_is_followed_live_on_both_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let client = emulator_common::client_for(&handle, emulator::DEMO_WORKSPACE);
    let job = "dreamy_snail_tm8r2p4k1q";
    let mut follower = Follower::with_cadence(client, job.into(), FileSelect::AllRanks, fast());
    let started = Instant::now();
    let mut by_file: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    let mut discovered = Vec::new();
    while by_file.len() < 2 || by_file.values().any(|lines| lines.len() < 2) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "lines so far: {by_file:?}"
        );
        let batch = follower.next().await.unwrap();
        assert!(!batch.ended);
        assert_eq!(batch.status, "Running");
        discovered.extend(batch.new_files);
        for (file, line) in batch.lines {
            by_file.entry(file.to_string()).or_default().push(line);
        }
    }
    assert_eq!(
        follower.files(),
        vec![
            "user_logs/std_log_process_0.txt".to_string(),
            "user_logs/std_log_process_1.txt".to_string()
        ]
    );
    assert!(discovered.contains(&"user_logs/std_log_process_1.txt".to_string()));
    let run = run_dir(dir.path(), job);
    for (name, got) in &by_file {
        let on_disk = lines_on_disk(&run.join(name));
        assert!(on_disk.len() >= got.len(), "{name}");
        assert_eq!(&on_disk[..got.len()], &got[..], "{name}");
        assert!(got[0].text.starts_with("Starting training: rank"), "{name}");
    }
    handle.shutdown().await;
}
