//! Property tests of the tailing core (issue 10, item 7): the line splitter fed random chunk
//! boundaries, invalid UTF-8, CRs and long lines gives the same lines as a one-shot split and
//! as an independent reference; a file tail fed random reads with truncations gives every
//! generation's lines exactly once; random reads never panic a tail; the line store never
//! exceeds its budget by more than one line and keeps exactly the newest lines.

use amlc::azure::logs::LogRead;
use amlc::logs::store::LINE_OVERHEAD;
use amlc::logs::{FileTail, Line, LineSplitter, LineStore};
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Bytes rich in what matters: newlines, CRs, multi-byte characters and their pieces, and
/// bytes that are never valid UTF-8.
fn log_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    // Weighted by repetition; one draw in 9 is any byte, covering everything else.
    const TABLE: &[u8] = b"abcxyz 0189abcxyz\n\n\n\r\r\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF";
    prop::collection::vec(any::<(u8, u8)>(), 0..max).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(pick, raw)| match TABLE.get(usize::from(pick % 36)) {
                Some(b) => *b,
                None => raw,
            })
            .collect()
    })
}

/// Cut points (as fractions) splitting `bytes` into chunks.
fn chunked(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points
        .windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect()
}

fn one_shot(bytes: &[u8], max_line: usize, finish: bool) -> Vec<Line> {
    let mut s = LineSplitter::new(max_line);
    let mut out = Vec::new();
    s.push(bytes, &mut out);
    if finish {
        s.finish(&mut out);
    }
    out
}

/// An independent reference: split on `\n`, drop one `\r` before it, decode lossily, cut
/// lines longer than `max_line` (their text a prefix of the whole line's text).
fn check_against_reference(bytes: &[u8], max_line: usize, lines: &[Line]) {
    let mut pieces: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop(); // no partial line after the last newline
    }
    assert_eq!(
        lines.len(),
        pieces.len(),
        "one line per newline (+ partial)"
    );
    for (line, piece) in lines.iter().zip(pieces) {
        let content = piece.strip_suffix(b"\r").unwrap_or(piece);
        let whole = String::from_utf8_lossy(content);
        assert_eq!(line.len, content.len());
        assert_eq!(line.cut, content.len() > max_line);
        if line.cut {
            assert!(
                whole.starts_with(&line.text),
                "{:?} is not a prefix of {whole:?}",
                line.text
            );
            // The text is the first `max_line` bytes, less at most 3 of a split character.
            let kept = (max_line.saturating_sub(3)..=max_line)
                .any(|k| String::from_utf8_lossy(&content[..k]) == line.text);
            assert!(
                kept,
                "{:?} is not {content:?} cut near {max_line}",
                line.text
            );
        } else {
            assert_eq!(line.text, whole);
        }
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn random_chunks_give_the_one_shot_lines(
        bytes in log_bytes(400),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
        max_line in 1usize..24,
    ) {
        let mut s = LineSplitter::new(max_line);
        let mut lines = Vec::new();
        for chunk in chunked(&bytes, &cuts) {
            s.push(&chunk, &mut lines);
        }
        s.finish(&mut lines);
        prop_assert_eq!(&lines, &one_shot(&bytes, max_line, true));
        check_against_reference(&bytes, max_line, &lines);
    }

    #[test]
    fn reset_drops_only_the_partial_line(
        generations in prop::collection::vec((log_bytes(120), prop::collection::vec(any::<usize>(), 0..10)), 1..5),
        max_line in 1usize..16,
    ) {
        let mut s = LineSplitter::new(max_line);
        let mut lines = Vec::new();
        let mut expected = Vec::new();
        let count = generations.len();
        for (i, (bytes, cuts)) in generations.iter().enumerate() {
            for chunk in chunked(bytes, cuts) {
                s.push(&chunk, &mut lines);
            }
            let last = i + 1 == count;
            expected.extend(one_shot(bytes, max_line, last));
            if last {
                s.finish(&mut lines);
            } else {
                s.reset();
            }
        }
        prop_assert_eq!(lines, expected);
    }

    /// A file written in generations (truncated between them), read in random ranges: each
    /// generation's lines come exactly once, in order.
    #[test]
    fn a_tail_with_truncations_gets_every_generation_once(
        generations in prop::collection::vec((log_bytes(200), prop::collection::vec(any::<usize>(), 0..12)), 1..5),
        idle in prop::collection::vec(any::<bool>(), 0..8),
    ) {
        let mut tail = FileTail::with_max_line("user_logs/std_log_process_0.txt".into(), 16);
        let mut lines = Vec::new();
        let mut expected = Vec::new();
        for (g, (bytes, cuts)) in generations.iter().enumerate() {
            if g > 0 {
                // The reader notices the file is now shorter than its offset.
                let a = tail.apply(LogRead::Truncated { total: 0 }, &mut lines);
                prop_assert!(a.truncated);
                prop_assert_eq!(tail.offset(), 0);
            }
            let mut written = 0u64;
            for (i, chunk) in chunked(bytes, cuts).into_iter().enumerate() {
                if chunk.is_empty() {
                    continue;
                }
                prop_assert_eq!(tail.offset(), written);
                written += chunk.len() as u64;
                if idle.get(i).copied().unwrap_or(false) {
                    tail.apply(LogRead::NoNewData { total: Some(tail.offset()) }, &mut lines);
                }
                let a = tail.apply(LogRead::Data { bytes: chunk, total: None }, &mut lines);
                prop_assert!(!a.truncated && !a.missing);
            }
            prop_assert_eq!(tail.offset(), bytes.len() as u64);
            // A truncation flushes the partial line; the last generation is finished.
            expected.extend(one_shot(bytes, 16, true));
        }
        tail.finish(&mut lines);
        prop_assert_eq!(lines, expected);
    }

    #[test]
    fn random_reads_never_panic_a_tail(
        reads in prop::collection::vec((0u8..4, log_bytes(64), any::<u64>()), 0..40),
    ) {
        let mut tail = FileTail::new("f".into());
        let mut lines = Vec::new();
        for (kind, bytes, total) in reads {
            let before = tail.offset();
            let read = match kind {
                0 => LogRead::Data { bytes: bytes.clone(), total: Some(total) },
                1 => LogRead::NoNewData { total: Some(total) },
                2 => LogRead::Truncated { total: total % (before + 1) },
                _ => LogRead::NotFound,
            };
            let a = tail.apply(read, &mut lines);
            match kind {
                0 => prop_assert_eq!(tail.offset(), before + bytes.len() as u64),
                2 => prop_assert_eq!(tail.offset(), 0),
                _ => prop_assert_eq!(tail.offset(), before),
            }
            prop_assert_eq!(a.new_bytes, if kind == 0 { bytes.len() as u64 } else { 0 });
        }
        tail.finish(&mut lines);
    }

    #[test]
    fn the_store_stays_within_budget_and_keeps_the_newest_lines(
        lengths in prop::collection::vec(0usize..300, 0..200),
        budget in 0usize..4000,
    ) {
        let mut store = LineStore::new(budget);
        for (i, len) in lengths.iter().enumerate() {
            let text = format!("{i}:{}", "x".repeat(*len));
            store.push((i % 3) as u16, Line { len: text.len(), text, cut: false, raw: None });
            prop_assert!(
                store.bytes() <= store.budget() || store.len() == 1,
                "{} bytes in {} lines over a budget of {}", store.bytes(), store.len(), budget
            );
            prop_assert_eq!(store.dropped() + store.len() as u64, i as u64 + 1);
            prop_assert_eq!(store.first_seq(), store.dropped());
            let counted: usize = store.iter().map(|l| l.text.len() + LINE_OVERHEAD).sum();
            prop_assert_eq!(store.bytes(), counted);
        }
        // The kept lines are the newest, in order, with their sequence numbers.
        let pushed = lengths.len();
        for (k, line) in store.iter().enumerate() {
            let i = pushed - store.len() + k;
            prop_assert_eq!(line.seq, i as u64);
            prop_assert_eq!(line.source, (i % 3) as u16);
            let prefix = format!("{i}:");
            prop_assert!(line.text.starts_with(&prefix));
        }
    }

    #[test]
    fn search_finds_exactly_the_matching_lines(
        texts in prop::collection::vec("[a-cA-CkKi é\u{212a}\u{130}]{0,12}", 0..60),
        needle in "[a-cA-CkKi é\u{212a}\u{130}]{1,3}",
        case_insensitive in any::<bool>(),
    ) {
        let mut store = LineStore::new(1 << 20);
        for t in &texts {
            store.push(0, Line { len: t.len(), text: t.clone(), cut: false, raw: None });
        }
        let expected: Vec<usize> = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| if case_insensitive {
                t.to_lowercase().contains(&needle.to_lowercase())
            } else {
                t.contains(&needle)
            })
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(store.search(&needle, case_insensitive), expected);
    }
}
