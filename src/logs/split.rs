//! Splitting a byte stream into lines: `\n` ends a line and a `\r` before it is dropped; a
//! partial last line is held until its newline arrives (or [`LineSplitter::finish`] at run
//! end). Bytes are decoded as lossy UTF-8 (invalid bytes → U+FFFD), so any input gives lines
//! and never a panic. A line longer than `max_line` bytes is kept as ONE line marked `cut`,
//! holding its first `max_line` bytes (on a character boundary); the splitter never holds more
//! than `max_line + 1` bytes of a line whatever its length — except in raw mode
//! ([`LineSplitter::keep_raw`], for output that must be byte-exact, such as `amlc logs` into a
//! pipe), where each line also carries its exact bytes, however long. Pure: no I/O, no
//! terminal code.

/// The default longest line kept whole: 64 KiB.
pub const MAX_LINE: usize = 64 * 1024;

/// One line of a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// The text, lossy UTF-8 (invalid bytes → U+FFFD); when `cut`, its first `max_line` bytes.
    pub text: String,
    /// The original length in bytes, without the newline (`\n` or `\r\n`).
    pub len: usize,
    /// The line was longer than `max_line` and `text` holds only its beginning.
    pub cut: bool,
    /// Raw mode only: the line's exact bytes without its `\n` (a `\r` before it kept; invalid
    /// UTF-8 as is; never cut).
    pub raw: Option<Box<[u8]>>,
}

impl Line {
    /// A line from its full bytes (without the newline), cut at `max_line`.
    pub fn from_bytes(content: &[u8], max_line: usize) -> Line {
        make_line(content, content.len(), max_line)
    }
}

/// Splits pushed chunks into [`Line`]s, holding a partial last line between pushes.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    max_line: usize,
    /// The first `max_line + 1` bytes (at most) of the line being read.
    held: Vec<u8>,
    /// Bytes of the line being read so far (may exceed `held.len()`).
    raw_len: usize,
    /// The last byte of the line being read (to drop a `\r` before the newline).
    last: u8,
    /// Raw mode: every byte of the line being read.
    raw: Option<Vec<u8>>,
}

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter::new(MAX_LINE)
    }
}

impl LineSplitter {
    /// A splitter cutting lines longer than `max_line` bytes (at least 1).
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            max_line: max_line.max(1),
            held: Vec::new(),
            raw_len: 0,
            last: 0,
            raw: None,
        }
    }

    /// Raw mode: each line also carries its exact bytes ([`Line::raw`]), whatever its length
    /// (the splitter then holds a whole partial line).
    pub fn keep_raw(mut self) -> Self {
        self.raw = Some(Vec::new());
        self
    }

    /// The longest line kept whole.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Bytes of a partial line held until its newline.
    pub fn pending_bytes(&self) -> usize {
        self.raw_len
    }

    /// Splits `bytes` (the next bytes of the stream), appending complete lines to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Line>) {
        let mut rest = bytes;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            let segment = &rest[..i];
            if self.raw_len == 0 {
                let content = segment.strip_suffix(b"\r").unwrap_or(segment);
                let mut line = make_line(content, content.len(), self.max_line);
                if self.raw.is_some() {
                    line.raw = Some(segment.into());
                }
                out.push(line);
            } else {
                self.append(segment);
                out.push(self.take_held());
            }
            rest = &rest[i + 1..];
        }
        self.append(rest);
    }

    /// The stream ended (run over): a held partial line becomes a line.
    pub fn finish(&mut self, out: &mut Vec<Line>) {
        if self.raw_len > 0 {
            out.push(self.take_held());
        }
    }

    /// The stream starts again (file truncated): a held partial line is dropped.
    pub fn reset(&mut self) {
        self.held.clear();
        self.raw_len = 0;
        self.last = 0;
        if let Some(raw) = &mut self.raw {
            raw.clear();
        }
    }

    fn append(&mut self, segment: &[u8]) {
        let Some(&last) = segment.last() else {
            return;
        };
        self.raw_len = self.raw_len.saturating_add(segment.len());
        self.last = last;
        if let Some(raw) = &mut self.raw {
            raw.extend_from_slice(segment);
        }
        let room = (self.max_line + 1).saturating_sub(self.held.len());
        let take = room.min(segment.len());
        self.held.extend_from_slice(&segment[..take]);
    }

    fn take_held(&mut self) -> Line {
        let len = self.raw_len - usize::from(self.last == b'\r');
        let shown = len.min(self.held.len());
        let mut line = make_line(&self.held[..shown], len, self.max_line);
        if let Some(raw) = &mut self.raw {
            line.raw = Some(std::mem::take(raw).into_boxed_slice());
        }
        self.reset();
        if self.held.capacity() > 4 * 1024 {
            // A long line was held: give its memory back.
            self.held = Vec::new();
        }
        line
    }
}

/// A line of `len` bytes whose first bytes are `shown` (all of them when `len <= max_line`).
fn make_line(shown: &[u8], len: usize, max_line: usize) -> Line {
    if len <= max_line {
        Line {
            text: String::from_utf8_lossy(shown).into_owned(),
            len,
            cut: false,
            raw: None,
        }
    } else {
        let head = trim_partial_char(&shown[..max_line.min(shown.len())]);
        Line {
            text: String::from_utf8_lossy(head).into_owned(),
            len,
            cut: true,
            raw: None,
        }
    }
}

/// `bytes` without a trailing incomplete (but so far valid) multi-byte UTF-8 sequence, so a cut
/// never turns the character it splits into U+FFFD.
fn trim_partial_char(bytes: &[u8]) -> &[u8] {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let byte = bytes[n - back];
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for the lead byte
        }
        if let Err(e) = std::str::from_utf8(&bytes[n - back..])
            && e.valid_up_to() == 0
            && e.error_len().is_none()
        {
            return &bytes[..n - back];
        }
        return bytes;
    }
    bytes
}

#[cfg(test)]
mod tests {

    #[test]
    fn raw_mode_keeps_every_byte_of_every_line() {
        let long = vec![b'x'; 100_000];
        let mut input = Vec::new();
        input.extend_from_slice(b"caf\xe9\r\n");
        input.extend_from_slice(&long);
        input.extend_from_slice(b"\nend");
        for chunk in [1usize, 7, 4096, input.len()] {
            let mut s = LineSplitter::new(64).keep_raw();
            let mut out = Vec::new();
            for piece in input.chunks(chunk) {
                s.push(piece, &mut out);
            }
            s.finish(&mut out);
            let raws: Vec<&[u8]> = out.iter().map(|l| l.raw.as_deref().unwrap()).collect();
            assert_eq!(
                raws,
                vec![&b"caf\xe9\r"[..], &long[..], &b"end"[..]],
                "chunk {chunk}"
            );
            // The text is as without raw mode: lossy, CR dropped, cut at max_line.
            assert_eq!(out[0].text, "caf\u{fffd}");
            assert!(out[1].cut && out[1].text.len() == 64 && out[1].len == 100_000);
        }
        // Without raw mode, no bytes are kept.
        let mut s = LineSplitter::new(64);
        let mut out = Vec::new();
        s.push(b"a\n", &mut out);
        assert!(out[0].raw.is_none());
    }

    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> Vec<Line> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn lines_crlf_and_empty_lines() {
        let lines = split(&[b"a\r\n\nb\n\r\nc"], 100);
        assert_eq!(texts(&lines), vec!["a", "", "b", "", "c"]);
        assert_eq!(lines[0].len, 1);
        assert_eq!(lines[3].len, 0);
        // A lone '\r' in the middle stays.
        assert_eq!(texts(&split(&[b"x\ry\n"], 100)), vec!["x\ry"]);
    }

    #[test]
    fn crlf_split_across_pushes() {
        let lines = split(&[b"ab\r", b"\ncd\r", b"\r\n"], 100);
        assert_eq!(texts(&lines), vec!["ab", "cd\r"]);
        assert_eq!(lines[1].len, 3);
    }

    #[test]
    fn partial_line_is_held_until_newline_or_finish() {
        let mut s = LineSplitter::new(100);
        let mut out = Vec::new();
        s.push(b"hel", &mut out);
        assert!(out.is_empty());
        assert_eq!(s.pending_bytes(), 3);
        s.push(b"lo\nwor", &mut out);
        assert_eq!(texts(&out), vec!["hello"]);
        s.finish(&mut out);
        assert_eq!(texts(&out), vec!["hello", "wor"]);
        s.finish(&mut out);
        assert_eq!(out.len(), 2, "finish twice adds nothing");
    }

    #[test]
    fn line_of_exactly_max_line_is_whole() {
        let line = vec![b'x'; 8];
        let mut chunk = line.clone();
        chunk.push(b'\n');
        let lines = split(&[&chunk], 8);
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].cut);
        assert_eq!(lines[0].len, 8);
        // With its '\r' (9 raw bytes) it is still whole.
        let lines = split(&[b"xxxxxxxx\r\n"], 8);
        assert_eq!((lines[0].text.as_str(), lines[0].cut), ("xxxxxxxx", false));
    }

    #[test]
    fn line_of_max_line_plus_one_is_cut_not_split() {
        for chunks in [
            vec![&b"123456789\nnext\n"[..]],
            vec![&b"1234"[..], b"56789", b"\nnext\n"],
            vec![&b"12345678"[..], b"9", b"\n", b"next\n"],
        ] {
            let lines = split(&chunks, 8);
            assert_eq!(lines.len(), 2, "{chunks:?}");
            assert_eq!(lines[0].text, "12345678");
            assert_eq!(lines[0].len, 9);
            assert!(lines[0].cut);
            assert_eq!(lines[1].text, "next");
            assert!(!lines[1].cut);
        }
    }

    #[test]
    fn a_huge_line_survives_in_bounded_memory() {
        let mut s = LineSplitter::new(MAX_LINE);
        let mut out = Vec::new();
        let chunk = vec![b'y'; 64 * 1024];
        for _ in 0..64 {
            s.push(&chunk, &mut out);
            assert!(s.held.len() <= MAX_LINE + 1);
        }
        s.push(b"\n", &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].cut);
        assert_eq!(out[0].len, 64 * 64 * 1024);
        assert_eq!(out[0].text.len(), MAX_LINE);
    }

    #[test]
    fn multi_byte_char_at_the_cut_is_not_mangled() {
        // "ab" + "é" (2 bytes) + "z": cut at 3 falls inside "é".
        let lines = split(&["abéz\n".as_bytes()], 3);
        assert_eq!(lines[0].text, "ab");
        assert!(lines[0].cut);
        assert_eq!(lines[0].len, 5);
        // "€" is 3 bytes: cuts at 1 and 2 bytes into it.
        assert_eq!(split(&["a€€\n".as_bytes()], 2)[0].text, "a");
        assert_eq!(split(&["a€€\n".as_bytes()], 3)[0].text, "a");
        assert_eq!(split(&["a€€\n".as_bytes()], 4)[0].text, "a€");
        // A 4-byte char cut after 3 of its bytes.
        assert_eq!(split(&["😀😀\n".as_bytes()], 7)[0].text, "😀");
        // Invalid bytes at the cut are shown as replacement characters, not dropped silently.
        assert_eq!(split(&[b"ab\xff\xffcd\n"], 4)[0].text, "ab\u{fffd}\u{fffd}");
    }

    #[test]
    fn invalid_utf8_split_across_pushes() {
        let bytes = "é€😀".as_bytes();
        // Split every multi-byte char across pushes: decoding happens per line, so intact.
        let chunks: Vec<&[u8]> = bytes.chunks(1).chain([&b"\n"[..]]).collect();
        assert_eq!(split(&chunks, 100)[0].text, "é€😀");
        // Truly invalid bytes, split across pushes, become U+FFFD.
        let lines = split(&[b"ok\xf0\x9f", b"\x98\nbad\xc3", b"(\xff\n"], 100);
        assert_eq!(texts(&lines), vec!["ok\u{fffd}", "bad\u{fffd}(\u{fffd}"]);
        assert_eq!(lines[0].len, 5);
    }

    #[test]
    fn reset_drops_the_held_line() {
        let mut s = LineSplitter::new(100);
        let mut out = Vec::new();
        s.push(b"half", &mut out);
        s.reset();
        s.push(b"new\n", &mut out);
        assert_eq!(texts(&out), vec!["new"]);
    }

    #[test]
    fn max_line_zero_is_treated_as_one() {
        let lines = split(&[b"abc\n\n"], 0);
        assert_eq!(texts(&lines), vec!["a", ""]);
        assert!(lines[0].cut);
    }
}
