//! The snapshot of a code folder, exactly as the Python SDK makes it (submit.md §2–§3).
//!
//! Owns: the file selection of a code folder (root `.amlignore`, else root `.gitignore`, matched
//! with the SDK's gitignore wildmatch rules; nested ignore files are ordinary files; `.git/` is
//! kept unless ignored; symlinks followed with the target's bytes under the link's name, and those
//! pointing outside the folder reported), the content hash (hash version 202208, §3.1), the object
//! hash (§3.2), the blob names and the indicator file of §2, and the summary the user sees before
//! sending (counts, sizes, largest files, warnings at 100 MB and past the documented 300 MB /
//! 2,000-file limit; an empty snapshot is an error).
//!
//! Must not: touch the network, write to the code folder, or upload anything (the client does that
//! with the file list made here); must not follow a symlink without reporting it when it leaves the
//! folder.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::hex;
use aws_lc_rs::digest;

/// The `hashVersion` the SDK sends with the content hash.
pub const HASH_VERSION: u32 = 202_208;

/// The SDK warns above this total (10^6-based megabytes), suggesting AzCopy (submit.md §2).
pub const WARN_BYTES: u64 = 100_000_000;
/// The documented snapshot limit, 300 MB (submit.md §2, [D4]; enforcement unconfirmed, §13).
pub const LIMIT_BYTES: u64 = 300_000_000;
/// The documented snapshot limit, 2,000 files (same source).
pub const LIMIT_FILES: usize = 2_000;

const AML_IGNORE: &str = ".amlignore";
const GIT_IGNORE: &str = ".gitignore";
const OBJECT_HASH_SEED: &[u8] = b"Initialize for october 2021 AML CLI version";

/// Thresholds for the warnings; [`Limits::DOCUMENTED`] everywhere but tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub warn_bytes: u64,
    pub max_bytes: u64,
    pub max_files: usize,
}

impl Limits {
    pub const DOCUMENTED: Limits = Limits {
        warn_bytes: WARN_BYTES,
        max_bytes: LIMIT_BYTES,
        max_files: LIMIT_FILES,
    };
}

/// Why a snapshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: neither a file nor a folder")]
    NotFound(PathBuf),
    #[error("{}: nothing to upload (the folder is empty{})", .root.display(),
        .ignore_file.map(|f| format!(" after applying {f}")).unwrap_or_default())]
    Empty {
        root: PathBuf,
        ignore_file: Option<&'static str>,
    },
    #[error("{}:{line}: {message}", .file.display())]
    BadPattern {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}: the file name is not UTF-8 (the SDK cannot hash it either)")]
    NonUtf8(PathBuf),
    #[error("{rel}: broken symlink (its target {} does not exist)", .target.display())]
    BrokenLink { rel: String, target: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Ignore rules: the SDK's vendored pathspec `GitWildMatchPattern`, re-expressed as tokens.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// One literal character.
    Lit(char),
    /// `[^/]`.
    AnyNoSlash,
    /// `[^/]*`.
    StarNoSlash,
    /// A bracket expression (a negated one also matches `/`, as the regex does).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `.*` (`min1: false`) or `.+` (`min1: true`), slashes included.
    AnyStr { min1: bool },
    /// The next `n` tokens are optional (a `(?:…)?` group).
    Opt(usize),
}

/// One compiled ignore line: matching paths are excluded (`exclude`) or re-included (`!`).
#[derive(Debug, Clone)]
struct Pattern {
    exclude: bool,
    toks: Vec<Tok>,
}

/// The compiled patterns of one ignore file; the last matching pattern wins.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    patterns: Vec<Pattern>,
}

impl IgnoreRules {
    /// Parses an ignore file's text; `Err((line, message))` for a pattern the SDK rejects too.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut patterns = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Some(p) = compile_pattern(line).map_err(|m| (n + 1, m))? {
                patterns.push(p);
            }
        }
        Ok(IgnoreRules { patterns })
    }

    /// Whether the path (relative to the root, `/`-separated, no leading `/`) is left out.
    pub fn is_excluded(&self, rel: &str) -> bool {
        let chars: Vec<char> = rel.chars().collect();
        let mut excluded = false;
        for p in &self.patterns {
            if matches(&p.toks, 0, &chars, 0) {
                excluded = p.exclude;
            }
        }
        excluded
    }
}

fn compile_pattern(line: &str) -> Result<Option<Pattern>, String> {
    let p = line.trim();
    if p.is_empty() || p.starts_with('#') || p == "/" {
        return Ok(None);
    }
    let (exclude, p) = match p.strip_prefix('!') {
        Some(rest) => (false, rest),
        None => (true, p),
    };
    let mut segs: Vec<&str> = p.split('/').collect();
    // Runs of `**` segments collapse to one.
    segs.dedup_by(|later, earlier| *later == "**" && *earlier == "**");
    // `**/` alone: everything below the root, not the root's own files.
    let whole_tree = segs.len() == 2 && segs[0] == "**" && segs[1].is_empty();
    if segs[0].is_empty() {
        // A leading `/` anchors the pattern at the root.
        segs.remove(0);
    } else if (segs.len() == 1 || (segs.len() == 2 && segs[1].is_empty())) && segs[0] != "**" {
        // A single name (or `name/`) matches at any depth.
        segs.insert(0, "**");
    }
    if segs.is_empty() {
        return Err(format!("invalid pattern {line:?}"));
    }
    let last = segs.len() - 1;
    if last > 0 && segs[last].is_empty() {
        // A trailing `/` matches what is below a folder of that name, never a file of that name.
        segs[last] = "**";
    }
    if whole_tree {
        let toks = vec![
            Tok::AnyStr { min1: true },
            Tok::Lit('/'),
            Tok::AnyStr { min1: false },
        ];
        return Ok(Some(Pattern { exclude, toks }));
    }
    let tail = |toks: &mut Vec<Tok>| {
        toks.extend([Tok::Opt(2), Tok::Lit('/'), Tok::AnyStr { min1: false }]);
    };
    let mut toks = Vec::new();
    let mut need_slash = false;
    for (i, seg) in segs.iter().enumerate() {
        if *seg == "**" {
            if i == 0 && i == last {
                toks.push(Tok::AnyStr { min1: true });
            } else if i == 0 {
                toks.extend([Tok::Opt(2), Tok::AnyStr { min1: true }, Tok::Lit('/')]);
                need_slash = false;
            } else if i == last {
                toks.extend([Tok::Lit('/'), Tok::AnyStr { min1: false }]);
            } else {
                toks.extend([Tok::Opt(2), Tok::Lit('/'), Tok::AnyStr { min1: true }]);
                need_slash = true;
            }
            continue;
        }
        if need_slash {
            toks.push(Tok::Lit('/'));
        }
        if *seg == "*" {
            toks.extend([Tok::AnyNoSlash, Tok::StarNoSlash]);
        } else {
            segment_glob(seg, &mut toks).map_err(|m| format!("invalid pattern {line:?}: {m}"))?;
        }
        if i == last {
            tail(&mut toks);
        }
        need_slash = true;
    }
    Ok(Some(Pattern { exclude, toks }))
}

/// One path segment's glob: `*`, `?`, `[...]` / `[!...]`, `\` escapes.
fn segment_glob(seg: &str, toks: &mut Vec<Tok>) -> Result<(), String> {
    let c: Vec<char> = seg.chars().collect();
    let end = c.len();
    let mut i = 0;
    let mut escape = false;
    while i < end {
        let ch = c[i];
        i += 1;
        if escape {
            escape = false;
            toks.push(Tok::Lit(ch));
        } else if ch == '\\' {
            escape = true;
        } else if ch == '*' {
            toks.push(Tok::StarNoSlash);
        } else if ch == '?' {
            toks.push(Tok::AnyNoSlash);
        } else if ch == '[' {
            let mut j = i;
            if j < end && c[j] == '!' {
                j += 1;
            }
            if j < end && c[j] == ']' {
                j += 1;
            }
            while j < end && c[j] != ']' {
                j += 1;
            }
            if j >= end {
                // No closing bracket: a literal `[`.
                toks.push(Tok::Lit('['));
                continue;
            }
            let mut body = &c[i..j];
            let negated = body.first() == Some(&'!');
            if negated {
                body = &body[1..];
            }
            let mut ranges = Vec::new();
            let mut k = 0;
            while k < body.len() {
                if k + 2 < body.len() && body[k + 1] == '-' {
                    let (lo, hi) = (body[k], body[k + 2]);
                    if lo > hi {
                        return Err(format!("bad character range {lo}-{hi}"));
                    }
                    ranges.push((lo, hi));
                    k += 3;
                } else {
                    ranges.push((body[k], body[k]));
                    k += 1;
                }
            }
            toks.push(Tok::Class { negated, ranges });
            i = j + 1;
        } else {
            toks.push(Tok::Lit(ch));
        }
    }
    if escape {
        return Err("a trailing backslash escapes nothing".into());
    }
    Ok(())
}

/// Whole-string match of `s[i..]` against `toks[k..]`, backtracking.
fn matches(toks: &[Tok], k: usize, s: &[char], i: usize) -> bool {
    let Some(tok) = toks.get(k) else {
        return i == s.len();
    };
    let next = |j: usize| matches(toks, k + 1, s, j);
    match tok {
        Tok::Lit(c) => s.get(i) == Some(c) && next(i + 1),
        Tok::AnyNoSlash => s.get(i).is_some_and(|c| *c != '/') && next(i + 1),
        Tok::Class { negated, ranges } => {
            s.get(i)
                .is_some_and(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated)
                && next(i + 1)
        }
        Tok::StarNoSlash => {
            let mut j = i;
            loop {
                if next(j) {
                    return true;
                }
                if j < s.len() && s[j] != '/' {
                    j += 1;
                } else {
                    return false;
                }
            }
        }
        Tok::AnyStr { min1 } => (i + usize::from(*min1)..=s.len()).any(next),
        Tok::Opt(n) => next(i) || matches(toks, k + 1 + n, s, i),
    }
}

// ---------------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------------

/// One kept file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    /// Relative posix path inside the snapshot (the link's name for a symlink).
    pub rel: String,
    /// Where the bytes are read from (under the root, or a symlink's path, which the OS follows).
    pub source: PathBuf,
    pub size: u64,
}

/// A symlink whose target is outside the code folder; followed as the SDK does, and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideLink {
    pub rel: String,
    pub target: PathBuf,
}

/// What the user should know before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Above 100 MB: the SDK logs a warning too.
    Large { bytes: u64, threshold: u64 },
    /// Past the documented 300 MB snapshot limit.
    OverSizeLimit { bytes: u64, limit: u64 },
    /// Past the documented 2,000-file snapshot limit.
    OverFileLimit { files: usize, limit: usize },
    /// A symlink leaving the folder: its target's bytes go up under the link's name.
    SymlinkOutside(OutsideLink),
    /// A symlinked folder that leads back to one of its parents: not walked again.
    SymlinkLoop { rel: String },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Large { bytes, threshold } => write!(
                f,
                "{} is above {}: uploads this big are slow (the SDK suggests AzCopy)",
                human_bytes(*bytes),
                human_bytes(*threshold)
            ),
            Warning::OverSizeLimit { bytes, limit } => write!(
                f,
                "{} is past the documented snapshot limit of {} (add an .amlignore)",
                human_bytes(*bytes),
                human_bytes(*limit)
            ),
            Warning::OverFileLimit { files, limit } => write!(
                f,
                "{files} files is past the documented snapshot limit of {limit} files (add an .amlignore)"
            ),
            Warning::SymlinkOutside(l) => write!(
                f,
                "symlink {} points outside the folder, to {}: its target is uploaded",
                l.rel,
                l.target.display()
            ),
            Warning::SymlinkLoop { rel } => {
                write!(
                    f,
                    "symlink {rel} leads back to a parent folder: not walked again"
                )
            }
        }
    }
}

/// A code folder (or single file) ready to send: the kept files in hash order and what to show.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub root: PathBuf,
    /// The blob prefix: the name of the folder the code path resolves to (`None` for a file).
    pub folder_name: Option<String>,
    /// `.amlignore`, `.gitignore` or none.
    pub ignore_file: Option<&'static str>,
    /// Sorted as the content hash needs: by lower-cased path, then by path.
    pub files: Vec<SnapshotFile>,
    pub total_bytes: u64,
    pub symlinks_outside: Vec<OutsideLink>,
    pub warnings: Vec<Warning>,
    /// The content hash (version [`HASH_VERSION`]).
    pub content_hash: String,
}

impl Snapshot {
    /// The snapshot of a code folder or single file, with the documented limits.
    pub fn of_path(root: &Path) -> Result<Snapshot, SnapshotError> {
        Snapshot::with_limits(root, Limits::DOCUMENTED)
    }

    /// As [`Snapshot::of_path`] with other warning thresholds.
    pub fn with_limits(root: &Path, limits: Limits) -> Result<Snapshot, SnapshotError> {
        let meta = fs::metadata(root).map_err(|_| SnapshotError::NotFound(root.to_path_buf()))?;
        let mut sel = Selection::default();
        let mut folder_name = None;
        let ignore_file = if meta.is_file() {
            // A linked file is hashed under its target's name (`Path(actual_path).name`).
            let canon = fs::canonicalize(root).map_err(io_err(root))?;
            let name = canon
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| SnapshotError::NonUtf8(root.to_path_buf()))?;
            sel.files.push(SnapshotFile {
                rel: name.to_string(),
                source: root.to_path_buf(),
                size: meta.len(),
            });
            None
        } else if meta.is_dir() {
            let (ignore_file, rules) = load_ignore(root)?;
            let canon = fs::canonicalize(root).map_err(io_err(root))?;
            // The SDK names blobs after `basename(Path(code).resolve())`.
            folder_name = Some(
                canon
                    .file_name()
                    .unwrap_or_default()
                    .to_str()
                    .ok_or_else(|| SnapshotError::NonUtf8(root.to_path_buf()))?
                    .to_string(),
            );
            let mut ancestors = vec![canon.clone()];
            walk(root, "", &canon, &rules, &mut ancestors, &mut sel)?;
            ignore_file
        } else {
            return Err(SnapshotError::NotFound(root.to_path_buf()));
        };
        if sel.files.is_empty() {
            return Err(SnapshotError::Empty {
                root: root.to_path_buf(),
                ignore_file,
            });
        }
        sort_for_hash(&mut sel.files);
        let total_bytes = sel.files.iter().map(|f| f.size).sum();
        let mut warnings: Vec<Warning> = sel
            .outside
            .iter()
            .cloned()
            .map(Warning::SymlinkOutside)
            .collect();
        warnings.extend(
            sel.loops
                .into_iter()
                .map(|rel| Warning::SymlinkLoop { rel }),
        );
        if total_bytes > limits.warn_bytes {
            warnings.push(Warning::Large {
                bytes: total_bytes,
                threshold: limits.warn_bytes,
            });
        }
        if total_bytes > limits.max_bytes {
            warnings.push(Warning::OverSizeLimit {
                bytes: total_bytes,
                limit: limits.max_bytes,
            });
        }
        if sel.files.len() > limits.max_files {
            warnings.push(Warning::OverFileLimit {
                files: sel.files.len(),
                limit: limits.max_files,
            });
        }
        let content_hash = content_hash(&sel.files)?;
        Ok(Snapshot {
            root: root.to_path_buf(),
            folder_name,
            ignore_file,
            files: sel.files,
            total_bytes,
            symlinks_outside: sel.outside,
            warnings,
            content_hash,
        })
    }

    /// The blob name of a kept file (submit.md §2): `{folder name}/{relative path}`, or the file
    /// name alone for a single-file snapshot.
    pub fn blob_name(&self, file: &SnapshotFile) -> String {
        match &self.folder_name {
            Some(folder) => format!("{folder}/{}", file.rel),
            None => file.rel.clone(),
        }
    }

    /// The indicator file that carries the completion metadata (submit.md §2): the first of the
    /// upload list sorted byte-wise by local path under the root, so `.amlignore` precedes
    /// `a.txt` and `B.py` precedes `a.txt`.
    pub fn indicator_file(&self) -> &SnapshotFile {
        // `files` is never empty: an empty selection is refused in `with_limits`.
        let mut best = &self.files[0];
        for f in &self.files[1..] {
            if f.rel.as_bytes() < best.rel.as_bytes() {
                best = f;
            }
        }
        best
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The `n` largest files, biggest first (ties by path).
    pub fn largest(&self, n: usize) -> Vec<&SnapshotFile> {
        let mut v: Vec<&SnapshotFile> = self.files.iter().collect();
        v.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.rel.cmp(&b.rel)));
        v.truncate(n);
        v
    }

    /// What the user sees before sending: the summary line, then one line per warning.
    pub fn lines(&self) -> Vec<String> {
        let largest: Vec<String> = self
            .largest(5)
            .iter()
            .map(|f| format!("{} {}", f.rel, human_bytes(f.size)))
            .collect();
        let n = self.file_count();
        let mut first = format!(
            "{n} file{}, {}, {}; largest: {}; hash {}…",
            if n == 1 { "" } else { "s" },
            human_bytes(self.total_bytes),
            self.ignore_file.unwrap_or("no ignore file"),
            largest.join(", "),
            &self.content_hash[..12],
        );
        if !self.symlinks_outside.is_empty() {
            first.push_str(&format!(
                "; {} symlink(s) outside the folder",
                self.symlinks_outside.len()
            ));
        }
        let mut out = vec![first];
        out.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        out
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// `1.1 MB`: decimal units, as the SDK's 100 MB threshold is.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut u = 0;
    while v >= 999.95 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

#[derive(Default)]
struct Selection {
    files: Vec<SnapshotFile>,
    outside: Vec<OutsideLink>,
    loops: Vec<String>,
}

/// Root `.amlignore`, else root `.gitignore`, else none; never merged, never nested.
fn load_ignore(root: &Path) -> Result<(Option<&'static str>, IgnoreRules), SnapshotError> {
    for name in [AML_IGNORE, GIT_IGNORE] {
        let path = root.join(name);
        if path.exists() {
            let bytes = fs::read(&path).map_err(io_err(&path))?;
            let text = String::from_utf8_lossy(&bytes);
            let rules =
                IgnoreRules::parse(&text).map_err(|(line, message)| SnapshotError::BadPattern {
                    file: path.clone(),
                    line,
                    message,
                })?;
            return Ok((Some(name), rules));
        }
    }
    Ok((None, IgnoreRules::default()))
}

fn join_rel(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// `os.walk(root, followlinks=True)`: every file tested against the rules, every folder walked
/// (an excluded folder's files may be re-included by a later `!` pattern).
fn walk(
    dir: &Path,
    prefix: &str,
    canon_root: &Path,
    rules: &IgnoreRules,
    ancestors: &mut Vec<PathBuf>,
    sel: &mut Selection,
) -> Result<(), SnapshotError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        entries.push(entry.path());
    }
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| SnapshotError::NonUtf8(path.clone()))?;
        let rel = join_rel(prefix, name);
        let lmeta = fs::symlink_metadata(&path).map_err(io_err(&path))?;
        let is_link = lmeta.file_type().is_symlink();
        let meta = if is_link {
            fs::metadata(&path).ok()
        } else {
            Some(lmeta)
        };
        // A link leaving the folder is reported when anything is kept through it.
        let outside = if is_link {
            fs::canonicalize(&path)
                .ok()
                .filter(|t| !t.starts_with(canon_root))
        } else {
            None
        };
        let kept_before = sel.files.len();
        match meta {
            Some(m) if m.is_dir() => {
                let canon = fs::canonicalize(&path).map_err(io_err(&path))?;
                if ancestors.contains(&canon) {
                    sel.loops.push(rel);
                    continue;
                }
                ancestors.push(canon);
                let r = walk(&path, &rel, canon_root, rules, ancestors, sel);
                ancestors.pop();
                r?;
            }
            Some(m) => {
                if !rules.is_excluded(&rel) {
                    sel.files.push(SnapshotFile {
                        rel: rel.clone(),
                        source: path,
                        size: m.len(),
                    });
                }
            }
            None => {
                // A broken link is listed as a file by os.walk; the SDK then fails on it.
                if !rules.is_excluded(&rel) {
                    let target = fs::read_link(&path).unwrap_or_default();
                    return Err(SnapshotError::BrokenLink { rel, target });
                }
            }
        }
        if let Some(target) = outside.filter(|_| sel.files.len() > kept_before) {
            sel.outside.push(OutsideLink { rel, target });
        }
    }
    Ok(())
}

/// By `relative_path.lower()` as the SDK sorts, then by the path itself so ties are stable.
fn sort_for_hash(files: &mut [SnapshotFile]) {
    files.sort_by(|a, b| {
        a.rel
            .to_lowercase()
            .cmp(&b.rel.to_lowercase())
            .then_with(|| a.rel.cmp(&b.rel))
    });
}

fn feed_file(ctx: &mut digest::Context, path: &Path) -> Result<(), SnapshotError> {
    let mut f = fs::File::open(path).map_err(io_err(path))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            return Ok(());
        }
        ctx.update(&buf[..n]);
    }
}

/// The content hash, version 202208 (submit.md §3.1): SHA-256 of the file count, then
/// `#path#size` for each file, then every file's bytes, files in lower-cased path order.
pub fn content_hash(files: &[SnapshotFile]) -> Result<String, SnapshotError> {
    let mut sorted = files.to_vec();
    sort_for_hash(&mut sorted);
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(sorted.len().to_string().as_bytes());
    for f in &sorted {
        ctx.update(format!("#{}#{}", f.rel, f.size).as_bytes());
    }
    for f in &sorted {
        feed_file(&mut ctx, &f.source)?;
    }
    Ok(hex(ctx.finish().as_ref()))
}

/// The object hash (submit.md §3.2) of a folder or single file: SHA-256 seeded with the SDK's
/// phrase; entries of each folder by lower-cased name, ignored entries skipped (a folder matched
/// as a whole is skipped whole), each entry's name then its bytes or its folder's entries.
pub fn object_hash(root: &Path) -> Result<String, SnapshotError> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(OBJECT_HASH_SEED);
    let meta = fs::metadata(root).map_err(|_| SnapshotError::NotFound(root.to_path_buf()))?;
    if meta.is_dir() {
        let (_, rules) = load_ignore(root)?;
        let canon = fs::canonicalize(root).map_err(io_err(root))?;
        let mut ancestors = vec![canon];
        object_dir(&mut ctx, root, "", &rules, &mut ancestors)?;
    } else {
        feed_file(&mut ctx, root)?;
    }
    Ok(hex(ctx.finish().as_ref()))
}

fn object_dir(
    ctx: &mut digest::Context,
    dir: &Path,
    prefix: &str,
    rules: &IgnoreRules,
    ancestors: &mut Vec<PathBuf>,
) -> Result<(), SnapshotError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| SnapshotError::NonUtf8(path.clone()))?
            .to_string();
        entries.push((name.to_lowercase(), name, path));
    }
    entries.sort();
    for (_, name, path) in entries {
        let rel = join_rel(prefix, &name);
        if rules.is_excluded(&rel) {
            continue;
        }
        ctx.update(name.as_bytes());
        match fs::metadata(&path) {
            Ok(m) if m.is_file() => feed_file(ctx, &path)?,
            Ok(m) if m.is_dir() => {
                let canon = fs::canonicalize(&path).map_err(io_err(&path))?;
                if ancestors.contains(&canon) {
                    continue;
                }
                ancestors.push(canon);
                let r = object_dir(ctx, &path, &rel, rules, ancestors);
                ancestors.pop();
                r?;
            }
            // Neither (a broken link, a socket): the SDK feeds the name only.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn write(root: &Path, rel: &str, body: &[u8]) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }

    fn rels(s: &Snapshot) -> Vec<&str> {
        s.files.iter().map(|f| f.rel.as_str()).collect()
    }

    /// The folder of submit.md §3.1's test vector.
    fn vector_folder() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".amlignore", b"*.log\n");
        write(d.path(), "a.txt", b"hello\n");
        write(d.path(), "sub/B.py", b"print(1)\n");
        write(d.path(), "x.log", b"ignored\n");
        d
    }

    #[test]
    fn content_hash_vector_folder() {
        let d = vector_folder();
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), [".amlignore", "a.txt", "sub/B.py"]);
        assert_eq!(
            s.content_hash,
            "dae47af1053a35b719975eb06efe7250684db8d3ed0a265f663ad7942c97ee94"
        );
    }

    #[test]
    fn content_hash_vector_single_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.txt", b"hello\n");
        let s = Snapshot::of_path(&d.path().join("a.txt")).unwrap();
        assert_eq!(rels(&s), ["a.txt"]);
        assert_eq!(s.ignore_file, None);
        assert_eq!(
            s.content_hash,
            "c6f2ba1c35db68e2ab39f91a18fd2ebef1cf4e4d49d98b4c3725acce6f60dadd"
        );
    }

    #[test]
    fn object_hash_vector_folder() {
        let d = vector_folder();
        assert_eq!(
            object_hash(d.path()).unwrap(),
            "a95aa7aa8bdf65e705c466be82654c123bccd3bf1a3121c664eebf670d654a3c"
        );
    }

    #[test]
    fn content_hash_changes_with_a_byte() {
        let d = vector_folder();
        let before = Snapshot::of_path(d.path()).unwrap().content_hash;
        write(d.path(), "sub/B.py", b"print(2)\n");
        let after = Snapshot::of_path(d.path()).unwrap().content_hash;
        assert_ne!(before, after);
    }

    fn excluded(patterns: &str, path: &str) -> bool {
        IgnoreRules::parse(patterns).unwrap().is_excluded(path)
    }

    #[test]
    fn pattern_table() {
        // (patterns, path, excluded)
        let table: &[(&str, &str, bool)] = &[
            ("*.log", "x.log", true),
            ("*.log", "deep/er/x.log", true),
            ("*.log", "x.logs", false),
            ("x?.txt", "x1.txt", true),
            ("x?.txt", "x/.txt", false),
            ("x?.txt", "x12.txt", false),
            ("[ab].txt", "a.txt", true),
            ("[ab].txt", "c.txt", false),
            ("[a-c].txt", "b.txt", true),
            ("[!a-c].txt", "b.txt", false),
            ("[!a-c].txt", "d.txt", true),
            ("[x", "[x", true),
            // anchored: leading slash, or a slash inside
            ("/top.txt", "top.txt", true),
            ("/top.txt", "sub/top.txt", false),
            ("doc/a.md", "doc/a.md", true),
            ("doc/a.md", "x/doc/a.md", false),
            // a name matches a folder of that name and everything below it
            ("build", "build", true),
            ("build", "src/build/x.o", true),
            // trailing slash: only what is below a folder
            ("out/", "out/a.bin", true),
            ("out/", "sub/out/a.bin", true),
            ("out/", "out", false),
            // **
            ("**/logs", "logs/a", true),
            ("**/logs", "a/b/logs/c", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "ab", false),
            ("a/**", "a/x/y", true),
            ("a/**", "a", false),
            ("**", "anything/at/all", true),
            ("**/", "top", false),
            ("**/", "d/f", true),
            ("*", "a/b", true),
            // comments, blanks, escapes, whitespace
            ("# c.txt", "# c.txt", false),
            ("\\#c.txt", "#c.txt", true),
            ("\\!bang", "!bang", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("  spaced.txt  ", "spaced.txt", true),
            ("", "a", false),
            ("/", "a", false),
            // last match wins; ! re-includes even below an excluded folder
            ("*.txt\n!keep.txt", "keep.txt", false),
            ("*.txt\n!keep.txt", "drop.txt", true),
            ("!keep.txt\n*.txt", "keep.txt", true),
            ("data/\n!data/small.csv", "data/small.csv", false),
            ("data/\n!data/small.csv", "data/big.csv", true),
        ];
        for (patterns, path, want) in table {
            assert_eq!(
                excluded(patterns, path),
                *want,
                "patterns {patterns:?} on {path:?}"
            );
        }
    }

    #[test]
    fn bad_patterns_name_the_line() {
        assert_eq!(IgnoreRules::parse("ok\ntrail\\").unwrap_err().0, 2);
        assert_eq!(IgnoreRules::parse("a\nb\n!").unwrap_err().0, 3);
        assert_eq!(IgnoreRules::parse("[z-a]").unwrap_err().0, 1);
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".gitignore", b"fine\n[z-a]\n");
        write(d.path(), "a", b"x");
        let e = Snapshot::of_path(d.path()).unwrap_err().to_string();
        assert!(e.contains(".gitignore:2:"), "{e}");
    }

    #[test]
    fn amlignore_wins_over_gitignore_and_is_not_merged() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".amlignore", b"a.txt\n");
        write(d.path(), ".gitignore", b"b.txt\n");
        write(d.path(), "a.txt", b"a");
        write(d.path(), "b.txt", b"b");
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(s.ignore_file, Some(".amlignore"));
        assert_eq!(rels(&s), [".amlignore", ".gitignore", "b.txt"]);
        fs::remove_file(d.path().join(".amlignore")).unwrap();
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(s.ignore_file, Some(".gitignore"));
        assert_eq!(rels(&s), [".gitignore", "a.txt"]);
    }

    #[test]
    fn nested_ignore_files_are_ordinary_files() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "sub/.gitignore", b"*.bin\n");
        write(d.path(), "sub/.amlignore", b"*\n");
        write(d.path(), "sub/x.bin", b"x");
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(s.ignore_file, None);
        assert_eq!(rels(&s), ["sub/.amlignore", "sub/.gitignore", "sub/x.bin"]);
    }

    #[test]
    fn git_folder_kept_unless_ignored() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".git/HEAD", b"ref: refs/heads/main\n");
        write(d.path(), ".hidden", b"h");
        write(d.path(), "train.py", b"print()\n");
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), [".git/HEAD", ".hidden", "train.py"]);
        write(d.path(), ".gitignore", b".git/\n");
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), [".gitignore", ".hidden", "train.py"]);
    }

    #[test]
    fn anchored_dir_only_and_double_star_on_disk() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            ".amlignore",
            b"/root.txt\nout/\n**/cache/**\n*.tmp\n!keep.tmp\n",
        );
        for f in [
            "root.txt",
            "sub/root.txt",
            "out/a",
            "sub/out/b",
            "out.txt",
            "x/cache/y/z",
            "a.tmp",
            "deep/keep.tmp",
        ] {
            write(d.path(), f, b"1");
        }
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(
            rels(&s),
            [".amlignore", "deep/keep.tmp", "out.txt", "sub/root.txt"]
        );
    }

    #[test]
    fn blob_names_and_indicator_file() {
        let d = tempfile::tempdir().unwrap();
        let code = d.path().join("src");
        write(&code, "a.txt", b"a");
        write(&code, "sub/B.py", b"b");
        write(&code, "B.py", b"b");
        let s = Snapshot::of_path(&code).unwrap();
        assert_eq!(rels(&s), ["a.txt", "B.py", "sub/B.py"]);
        assert_eq!(s.indicator_file().rel, "B.py");
        let names: Vec<String> = s.files.iter().map(|f| s.blob_name(f)).collect();
        assert_eq!(names, ["src/a.txt", "src/B.py", "src/sub/B.py"]);
        write(&code, ".amlignore", b"");
        assert_eq!(
            Snapshot::of_path(&code).unwrap().indicator_file().rel,
            ".amlignore"
        );
        // A link to the folder, or `.` inside it: named after the folder it resolves to.
        symlink(&code, d.path().join("alias")).unwrap();
        let via_link = Snapshot::of_path(&d.path().join("alias")).unwrap();
        assert_eq!(via_link.blob_name(&via_link.files[0]), "src/.amlignore");
        let dot = Snapshot::of_path(&code.join(".")).unwrap();
        assert_eq!(dot.blob_name(&dot.files[0]), "src/.amlignore");
        let single = Snapshot::of_path(&code.join("a.txt")).unwrap();
        assert_eq!(single.blob_name(&single.files[0]), "a.txt");
        symlink(code.join("a.txt"), d.path().join("link.txt")).unwrap();
        let linked = Snapshot::of_path(&d.path().join("link.txt")).unwrap();
        assert_eq!(linked.files[0].rel, "a.txt");
    }

    #[test]
    fn order_is_case_insensitive_then_exact() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b", "A", "a", "C/x", "c"] {
            write(d.path(), f, b"1");
        }
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), ["A", "a", "b", "c", "C/x"]);
    }

    #[test]
    fn symlink_outside_is_reported_and_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.txt", b"outside bytes");
        write(outside.path(), "dir/f", b"f");
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.txt", b"a");
        symlink(outside.path().join("secret.txt"), d.path().join("link.txt")).unwrap();
        symlink(outside.path().join("dir"), d.path().join("ldir")).unwrap();
        symlink(d.path().join("a.txt"), d.path().join("inside.txt")).unwrap();
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), ["a.txt", "inside.txt", "ldir/f", "link.txt"]);
        let link = s.files.iter().find(|f| f.rel == "link.txt").unwrap();
        assert_eq!(link.size, 13);
        let outs: Vec<&str> = s.symlinks_outside.iter().map(|l| l.rel.as_str()).collect();
        assert_eq!(outs, ["ldir", "link.txt"]);
        let text = s.to_string();
        assert!(text.contains("symlink link.txt points outside"), "{text}");
        assert!(text.contains("2 symlink(s) outside"), "{text}");
        // Nothing kept through a link: nothing to report.
        write(d.path(), ".amlignore", b"ldir/\nlink.txt\n");
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), [".amlignore", "a.txt", "inside.txt"]);
        assert!(s.symlinks_outside.is_empty());
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn symlink_loop_is_not_walked_forever() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "sub/a", b"a");
        symlink(d.path(), d.path().join("sub/up")).unwrap();
        let s = Snapshot::of_path(d.path()).unwrap();
        assert_eq!(rels(&s), ["sub/a"]);
        assert_eq!(
            s.warnings,
            [Warning::SymlinkLoop {
                rel: "sub/up".into()
            }]
        );
    }

    #[test]
    fn broken_symlink_is_an_error_unless_ignored() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a", b"a");
        symlink(d.path().join("gone"), d.path().join("dangling")).unwrap();
        let e = Snapshot::of_path(d.path()).unwrap_err();
        assert!(matches!(e, SnapshotError::BrokenLink { ref rel, .. } if rel == "dangling"));
        write(d.path(), ".amlignore", b"dangling\n");
        assert_eq!(
            rels(&Snapshot::of_path(d.path()).unwrap()),
            [".amlignore", "a"]
        );
    }

    #[test]
    fn empty_folder_refused() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("emptysub")).unwrap();
        let e = Snapshot::of_path(d.path()).unwrap_err();
        assert!(matches!(
            e,
            SnapshotError::Empty {
                ignore_file: None,
                ..
            }
        ));
        write(d.path(), ".amlignore", b"*\n");
        write(d.path(), "x", b"x");
        let e = Snapshot::of_path(d.path()).unwrap_err();
        assert!(e.to_string().contains("after applying .amlignore"), "{e}");
    }

    #[test]
    fn missing_path_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let e = Snapshot::of_path(&d.path().join("nope")).unwrap_err();
        assert!(matches!(e, SnapshotError::NotFound(_)));
    }

    #[test]
    fn limit_warnings_with_small_limits() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..4 {
            write(d.path(), &format!("f{i}"), &[0u8; 100]);
        }
        let limits = Limits {
            warn_bytes: 250,
            max_bytes: 350,
            max_files: 3,
        };
        let s = Snapshot::with_limits(d.path(), limits).unwrap();
        assert_eq!(s.total_bytes, 400);
        assert_eq!(
            s.warnings,
            [
                Warning::Large {
                    bytes: 400,
                    threshold: 250
                },
                Warning::OverSizeLimit {
                    bytes: 400,
                    limit: 350
                },
                Warning::OverFileLimit { files: 4, limit: 3 },
            ]
        );
        let lax = Limits {
            warn_bytes: 400,
            max_bytes: 400,
            max_files: 4,
        };
        assert!(
            Snapshot::with_limits(d.path(), lax)
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn documented_limits_with_a_sparse_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "small", b"s");
        let f = fs::File::create(d.path().join("big.bin")).unwrap();
        f.set_len(LIMIT_BYTES + 1).unwrap();
        let s = Snapshot::of_path(d.path()).unwrap();
        assert!(matches!(s.warnings[0], Warning::Large { .. }));
        assert!(matches!(s.warnings[1], Warning::OverSizeLimit { .. }));
        assert_eq!(s.warnings.len(), 2);
    }

    #[test]
    fn summary_lines() {
        let d = vector_folder();
        write(d.path(), "data/x.bin", &vec![7u8; 1_100_000]);
        let s = Snapshot::of_path(d.path()).unwrap();
        let lines = s.lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0],
            format!(
                "4 files, 1.1 MB, .amlignore; largest: data/x.bin 1.1 MB, sub/B.py 9 B, \
                 .amlignore 6 B, a.txt 6 B; hash {}…",
                &s.content_hash[..12]
            )
        );
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_200_000), "3.2 MB");
        assert_eq!(human_bytes(999_999_999), "1.0 GB");
    }

    /// `cargo test --release --lib submit::snapshot -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn timing_1000_small_files() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..1000 {
            write(
                d.path(),
                &format!("d{}/f{i}.py", i % 20),
                format!("print({i})\n").as_bytes(),
            );
        }
        let t = std::time::Instant::now();
        let s = Snapshot::of_path(d.path()).unwrap();
        let el = t.elapsed();
        assert_eq!(s.file_count(), 1000);
        println!("select + hash of 1,000 small files: {el:?}");
    }
}
