//! The bounded line store of a log view: lines from one or more sources (a source is a log
//! file, e.g. a rank) kept compactly (one `Box<str>` each plus a few bytes of metadata) within a
//! byte budget. Each line costs its text bytes plus [`LINE_OVERHEAD`] (its slot and the
//! allocator's header of its text); when a push would go over the budget the OLDEST lines are
//! dropped first and counted, so memory does not grow with the run's length (the store exceeds
//! its budget only when one single line is larger than it). Slots live in fixed blocks of
//! [`BLOCK`] lines, so the heap beyond the counted bytes is at most two blocks' slack (no
//! doubling of a growing buffer).
//! Lines carry a sequence number (`first_seq() + index`) so a view keeps its place while old
//! lines drop. Search scans every kept line without allocating per line. Pure: no I/O.

use super::split::Line;
use memchr::memmem;
use std::collections::VecDeque;

/// The default budget: 64 MiB.
pub const DEFAULT_BUDGET: usize = 64 << 20;

/// What one stored line costs besides its text: its slot in the store, and 16 bytes for the
/// allocator's header and rounding of its text's allocation.
pub const LINE_OVERHEAD: usize = std::mem::size_of::<Entry>() + 16;

/// Lines per block of slots.
pub const BLOCK: usize = 1024;

#[derive(Debug, Clone, Default)]
struct Entry {
    text: Box<str>,
    source: u16,
    cut: bool,
}

/// A line as the store gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredLine<'a> {
    pub source: u16,
    pub text: &'a str,
    pub cut: bool,
    /// Sequence number of the line since the store began (0 = the first line ever pushed).
    pub seq: u64,
}

/// Lines within a byte budget, oldest dropped first.
#[derive(Debug, Clone)]
pub struct LineStore {
    /// Blocks of [`BLOCK`] slots; every block but the last is full. The first `head` slots of
    /// the first block are dropped lines (empty texts, which own no heap).
    blocks: VecDeque<Vec<Entry>>,
    head: usize,
    len: usize,
    budget: usize,
    bytes: usize,
    dropped: u64,
    first_seq: u64,
}

impl Default for LineStore {
    fn default() -> Self {
        LineStore::new(DEFAULT_BUDGET)
    }
}

fn cost(text: &str) -> usize {
    text.len() + LINE_OVERHEAD
}

impl LineStore {
    /// An empty store that keeps at most about `budget_bytes` of lines.
    pub fn new(budget_bytes: usize) -> Self {
        LineStore {
            blocks: VecDeque::new(),
            head: 0,
            len: 0,
            budget: budget_bytes,
            bytes: 0,
            dropped: 0,
            first_seq: 0,
        }
    }

    /// Adds a line from `source`, dropping the oldest lines as needed to stay within budget.
    pub fn push(&mut self, source: u16, line: Line) {
        let text = line.text.into_boxed_str();
        let cost = cost(&text);
        self.make_room(cost);
        self.bytes += cost;
        let entry = Entry {
            text,
            source,
            cut: line.cut,
        };
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push(entry),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(entry);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    /// Drops the oldest line; false when empty.
    fn pop_front(&mut self) -> bool {
        let Some(first) = self.blocks.front_mut() else {
            return false;
        };
        let Some(slot) = first.get_mut(self.head) else {
            return false;
        };
        let old = std::mem::take(slot);
        self.head += 1;
        self.len -= 1;
        if self.head >= first.len() {
            self.blocks.pop_front();
            self.head = 0;
        }
        self.bytes -= cost(&old.text);
        true
    }

    fn entry(&self, i: usize) -> Option<&Entry> {
        if i >= self.len {
            return None;
        }
        let j = self.head + i;
        self.blocks.get(j / BLOCK)?.get(j % BLOCK)
    }

    /// The kept entries, oldest first.
    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.blocks.iter().flat_map(|b| b.iter()).skip(self.head)
    }

    /// Drops the oldest lines until `incoming` more bytes fit (or the store is empty).
    fn make_room(&mut self, incoming: usize) {
        while self.bytes + incoming > self.budget && self.pop_front() {
            self.dropped += 1;
            self.first_seq += 1;
        }
    }

    /// Changes the budget, dropping the oldest lines if the store is now over it.
    pub fn set_budget(&mut self, budget_bytes: usize) {
        self.budget = budget_bytes;
        self.make_room(0);
    }

    /// Empties the store (the dropped count and sequence numbers carry on).
    pub fn clear(&mut self) {
        self.first_seq += self.len as u64;
        self.blocks = VecDeque::new();
        self.head = 0;
        self.len = 0;
        self.bytes = 0;
    }

    /// Lines kept.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th kept line, 0 = the oldest kept.
    pub fn get(&self, i: usize) -> Option<StoredLine<'_>> {
        self.entry(i).map(|e| StoredLine {
            source: e.source,
            text: &e.text,
            cut: e.cut,
            seq: self.first_seq + i as u64,
        })
    }

    /// The kept lines, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = StoredLine<'_>> {
        let first = self.first_seq;
        self.entries().enumerate().map(move |(i, e)| StoredLine {
            source: e.source,
            text: &e.text,
            cut: e.cut,
            seq: first + i as u64,
        })
    }

    /// Sequence number of the oldest kept line (lines dropped so far, plus any cleared).
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Sequence number the next pushed line gets.
    pub fn next_seq(&self) -> u64 {
        self.first_seq + self.len as u64
    }

    /// The index of the line with sequence number `seq`, if it is still kept.
    pub fn index_of_seq(&self, seq: u64) -> Option<usize> {
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        (i < self.len).then_some(i)
    }

    /// Lines dropped to stay within the budget.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Bytes counted against the budget (text plus [`LINE_OVERHEAD`] per line).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Indices of the lines containing `needle` (none for an empty needle). Case-insensitive
    /// means both sides lower-cased (Unicode): ASCII is folded in place without allocating, and
    /// only lines with non-ASCII text are lower-cased, through one reused buffer.
    pub fn search(&self, needle: &str, case_insensitive: bool) -> Vec<usize> {
        let mut found = Vec::new();
        if needle.is_empty() {
            return found;
        }
        if !case_insensitive {
            let finder = memmem::Finder::new(needle.as_bytes());
            for (i, e) in self.entries().enumerate() {
                if finder.find(e.text.as_bytes()).is_some() {
                    found.push(i);
                }
            }
        } else {
            let lower = needle.to_lowercase();
            let finder = memmem::Finder::new(lower.as_bytes());
            let mut buf = String::new();
            let mut folded_in = |text: &str| {
                buf.clear();
                buf.extend(text.chars().flat_map(char::to_lowercase));
                finder.find(buf.as_bytes()).is_some()
            };
            if needle.is_ascii() {
                // ASCII folding in place; only a non-ASCII line may still match through a
                // character that lower-cases to ASCII (U+212A KELVIN SIGN → 'k').
                let ascii = AsciiFolded::new(needle.as_bytes());
                for (i, e) in self.entries().enumerate() {
                    if ascii.is_in(e.text.as_bytes()) || (!e.text.is_ascii() && folded_in(&e.text))
                    {
                        found.push(i);
                    }
                }
            } else {
                // An ASCII line lower-cases to ASCII, so it cannot hold a non-ASCII needle.
                let skip_ascii = !lower.is_ascii();
                for (i, e) in self.entries().enumerate() {
                    if !(skip_ascii && e.text.is_ascii()) && folded_in(&e.text) {
                        found.push(i);
                    }
                }
            }
        }
        found
    }
}

/// An ASCII needle matched ignoring ASCII case: candidates are found with `memchr2` on the
/// needle's rarest byte (by a frequency ranking of English and log text) and checked in place.
struct AsciiFolded {
    needle: Vec<u8>,
    /// Index in the needle of the byte candidates are found on.
    anchor: usize,
    lower: u8,
    upper: u8,
}

impl AsciiFolded {
    fn new(needle: &[u8]) -> Self {
        let needle = needle.to_ascii_lowercase();
        let anchor = (0..needle.len())
            .rev()
            .min_by_key(|&i| commonness(needle[i]))
            .unwrap_or(0);
        let lower = needle[anchor];
        AsciiFolded {
            anchor,
            lower,
            upper: lower.to_ascii_uppercase(),
            needle,
        }
    }

    fn is_in(&self, hay: &[u8]) -> bool {
        let n = self.needle.len();
        if hay.len() < n {
            return false;
        }
        let last_start = hay.len() - n;
        let window = &hay[self.anchor..=last_start + self.anchor];
        memchr::memchr2_iter(self.lower, self.upper, window)
            .any(|start| hay[start..start + n].eq_ignore_ascii_case(&self.needle))
    }
}

/// How common a (lower-case) byte is in log text: letters by English frequency, then digits
/// and the punctuation of key=value logs; anything else is rare.
fn commonness(byte: u8) -> u8 {
    const LETTERS: &[u8] = b" etaoinsrhldcumfpgwybvkxjqz";
    if let Some(rank) = LETTERS.iter().position(|&c| c == byte) {
        return 255 - rank as u8;
    }
    match byte {
        b'0'..=b'9' => 220,
        b'.' | b':' | b'=' | b'-' | b'/' | b'_' | b',' => 200,
        _ => 50,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        Line {
            text: text.into(),
            len: text.len(),
            cut: false,
            raw: None,
        }
    }

    #[test]
    fn keeps_lines_in_order_with_sequence_numbers() {
        let mut s = LineStore::new(1 << 20);
        for i in 0..5 {
            s.push(i % 2, line(&format!("line {i}")));
        }
        assert_eq!(s.len(), 5);
        let third = s.get(2).unwrap();
        assert_eq!((third.text, third.source, third.seq), ("line 2", 0, 2));
        assert!(s.get(5).is_none());
        assert_eq!(s.bytes(), 5 * (6 + LINE_OVERHEAD));
        assert_eq!(s.dropped(), 0);
        assert_eq!(s.next_seq(), 5);
    }

    #[test]
    fn drops_oldest_first_within_budget_and_counts_them() {
        let per = 10 + LINE_OVERHEAD;
        let mut s = LineStore::new(3 * per);
        for i in 0..10 {
            s.push(0, line(&format!("line-{i:04}")));
            assert!(s.bytes() <= s.budget());
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.dropped(), 7);
        assert_eq!(s.first_seq(), 7);
        assert_eq!(s.get(0).unwrap().text, "line-0007");
        assert_eq!(s.get(0).unwrap().seq, 7);
        assert_eq!(s.index_of_seq(8), Some(1));
        assert_eq!(s.index_of_seq(3), None);
        assert_eq!(s.index_of_seq(10), None);
    }

    #[test]
    fn a_line_bigger_than_the_budget_is_kept_alone() {
        let mut s = LineStore::new(100);
        s.push(0, line("small"));
        s.push(1, line(&"x".repeat(500)));
        assert_eq!(s.len(), 1);
        assert_eq!(s.dropped(), 1);
        assert!(s.bytes() <= s.budget() + 500 + LINE_OVERHEAD);
        s.push(0, line("next"));
        assert_eq!(s.len(), 1, "the big line drops for the next one");
        assert_eq!(s.get(0).unwrap().text, "next");
    }

    #[test]
    fn set_budget_shrinks_and_clear_keeps_counting() {
        let mut s = LineStore::new(1 << 20);
        for i in 0..100 {
            s.push(0, line(&format!("{i}")));
        }
        s.set_budget(10 * (2 + LINE_OVERHEAD));
        assert_eq!(s.len(), 10);
        assert_eq!(s.get(0).unwrap().text, "90");
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.bytes(), 0);
        assert_eq!(s.first_seq(), 100);
        s.push(0, line("again"));
        assert_eq!(s.get(0).unwrap().seq, 100);
    }

    #[test]
    fn search_case_sensitive_and_not() {
        let mut s = LineStore::new(1 << 20);
        for t in [
            "Epoch 1 loss=0.5",
            "epoch 2 LOSS=0.4",
            "nothing",
            "ÉPOCH été",
            "",
            "lo",
        ] {
            s.push(0, line(t));
        }
        assert_eq!(s.search("loss", false), vec![0]);
        assert_eq!(s.search("loss", true), vec![0, 1]);
        assert_eq!(s.search("epoch", true), vec![0, 1]);
        assert_eq!(s.search("Epoch", false), vec![0]);
        assert_eq!(s.search("époch", true), vec![3]);
        assert_eq!(s.search("ÉTÉ", true), vec![3]);
        assert_eq!(s.search("été", false), vec![3]);
        // U+212A KELVIN SIGN lower-cases to an ASCII 'k'.
        s.push(0, line("\u{212a}elvin"));
        assert_eq!(s.search("KELVIN", true), vec![6]);
        assert_eq!(s.search("\u{212a}", true), vec![6]);
        assert_eq!(s.search("", true), Vec::<usize>::new());
        assert_eq!(s.search("loss=0.4 and more", true), Vec::<usize>::new());
        assert_eq!(s.search("=0.", true), vec![0, 1]);
        assert_eq!(s.search("  ", true), Vec::<usize>::new());
    }

    #[test]
    fn blocks_fill_drop_and_index_across_their_edges() {
        let mut s = LineStore::new(usize::MAX);
        for i in 0..(3 * BLOCK + 5) {
            s.push(0, line(&i.to_string()));
        }
        assert_eq!(s.blocks.len(), 4);
        let per = |n: usize| n.to_string().len() + LINE_OVERHEAD;
        // Shrink the budget so the first block and a bit more drop.
        let keep: usize = (BLOCK + 7..3 * BLOCK + 5).map(per).sum();
        s.set_budget(keep);
        assert_eq!(s.len(), 2 * BLOCK - 2);
        assert_eq!(s.blocks.len(), 3, "the emptied block is freed");
        assert_eq!(s.get(0).unwrap().text, (BLOCK + 7).to_string());
        assert_eq!(s.get(0).unwrap().seq, (BLOCK + 7) as u64);
        let last = s.get(s.len() - 1).unwrap();
        assert_eq!(last.text, (3 * BLOCK + 4).to_string());
        assert!(s.get(s.len()).is_none());
        let all: Vec<String> = s.iter().map(|l| l.text.to_string()).collect();
        let want: Vec<String> = (BLOCK + 7..3 * BLOCK + 5).map(|n| n.to_string()).collect();
        assert_eq!(all, want);
        assert_eq!(s.search(&(2 * BLOCK).to_string(), false), vec![BLOCK - 7]);
        // Down to nothing, then up again.
        s.set_budget(0);
        assert!(s.is_empty() && s.blocks.is_empty() && s.bytes() == 0);
        s.set_budget(usize::MAX);
        s.push(1, line("fresh"));
        assert_eq!(s.get(0).unwrap().seq, (3 * BLOCK + 5) as u64);
    }

    #[test]
    fn the_rarest_byte_anchors_the_search() {
        assert_eq!(AsciiFolded::new(b"checkpoint").anchor, 4, "k");
        assert_eq!(AsciiFolded::new(b"a").anchor, 0);
        assert_eq!(AsciiFolded::new(b"e#").anchor, 1);
    }

    #[test]
    fn ascii_folded_matches_at_every_position() {
        let f = AsciiFolded::new(b"aB");
        assert!(f.is_in(b"ab"));
        assert!(f.is_in(b"xxAB"));
        assert!(f.is_in(b"Abxx"));
        assert!(!f.is_in(b"a"));
        assert!(!f.is_in(b"a b"));
        let f = AsciiFolded::new(b"  ");
        assert!(f.is_in(b"a  b"));
        assert!(!f.is_in(b"a b"));
    }
}
