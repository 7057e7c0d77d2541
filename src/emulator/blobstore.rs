//! The emulator's Blob Storage on disk: block blobs of one container under
//! `<data>/blobs/<account>/<container>/`, each blob a committed data file plus a JSON sidecar
//! (name, size, MD5, content type, ETag, last modified, `x-ms-meta-*` pairs, committed block
//! list) that is the blob's commit record. A blob named `a/b/c.txt` lives at
//! `tree/d_a/d_b/b_c.txt.json` with its data in `tree/d_a/d_b/v_c.txt~<etag>`: the `d_`/`b_`/`v_`
//! prefixes keep a blob `a` and a blob `a/b` apart, and a prefix listing walks one subtree only.
//! Uncommitted blocks wait in `.staging/blocks/<sha256 of the name>/`, request bodies are
//! streamed into `.staging/tmp/` first (never held whole in memory) and renamed into place; the
//! sidecar is written atomically (temp, fsync, rename) last, so a crash leaves the old or the new
//! blob, never a torn one. Commits of one process are serialised by one lock (the emulator
//! holds its data directory alone). Blob names with an empty, `.` or `..` segment, a leading `/`,
//! a NUL or more than 1024 bytes are refused ([`validate_name`]): nothing escapes the container
//! folder. This module does no HTTP and no authorisation (see `storage.rs`).

use super::model::now_ms;
use super::store;
use futures::StreamExt;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio::io::AsyncWriteExt;

/// Serialises the read-modify-write of sidecars (If-None-Match, replacing the data file).
static COMMIT: Mutex<()> = Mutex::new(());

fn commit_lock() -> std::sync::MutexGuard<'static, ()> {
    COMMIT.lock().unwrap_or_else(|e| e.into_inner())
}

/// The longest blob name (Azure allows 1024 characters).
pub const MAX_NAME: usize = 1024;
/// The longest segment of a blob name (a file name on disk carries a few more bytes).
const MAX_SEGMENT: usize = 200;

/// A committed blob's properties (the sidecar).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BlobMeta {
    pub name: String,
    pub size: u64,
    /// Base64 MD5 of the content, when known.
    pub md5: Option<String>,
    pub content_type: Option<String>,
    /// Quoted, as sent in `ETag`.
    pub etag: String,
    pub last_modified_ms: i64,
    pub created_ms: i64,
    pub metadata: BTreeMap<String, String>,
    /// The committed block list (base64 ids and sizes), in order.
    pub blocks: Vec<(String, u64)>,
    /// The data file's name, in the sidecar's folder.
    pub data: String,
}

/// A container's folder.
#[derive(Debug, Clone)]
pub struct Container {
    /// The emulator's data directory (never re-created once removed).
    pub root: PathBuf,
    pub dir: PathBuf,
}

/// Why a write was refused.
#[derive(Debug)]
pub enum WriteError {
    TooLarge,
    Md5Mismatch,
    AlreadyExists,
    InvalidBlockList(String),
    /// The client's body ended early or broke.
    Body(String),
    Io(io::Error),
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// A request body written to a temporary file.
pub struct Staged {
    pub path: PathBuf,
    pub len: u64,
    pub md5: [u8; 16],
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Removed when not renamed into place (a rename leaves nothing here).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Checks a blob name and returns its segments.
pub fn validate_name(name: &str) -> Result<Vec<&str>, String> {
    if name.is_empty() {
        return Err("The blob name is empty.".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "The blob name is longer than {MAX_NAME} characters."
        ));
    }
    if name.contains('\0') || name.contains('\\') {
        return Err("The blob name contains a NUL or a backslash.".into());
    }
    if name.starts_with('/') {
        return Err("The blob name must not start with '/'.".into());
    }
    let segs: Vec<&str> = name.split('/').collect();
    for s in &segs {
        if s.is_empty() || *s == "." || *s == ".." {
            return Err(format!(
                "The blob name {name:?} has an empty, '.' or '..' segment."
            ));
        }
        if s.len() > MAX_SEGMENT {
            return Err(format!(
                "A segment of the blob name is longer than {MAX_SEGMENT} bytes."
            ));
        }
    }
    Ok(segs)
}

/// Whether `s` is a valid container name (3–63 of a-z, 0-9 and single inner hyphens) or an
/// account name (3–24 of a-z, 0-9).
pub fn valid_container(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

pub fn valid_account(s: &str) -> bool {
    (3..=24).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha_hex(s: &str) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes()).as_ref())
}

impl Container {
    pub fn new(root: &Path, account: &str, container: &str) -> Container {
        Container {
            root: root.to_path_buf(),
            dir: root.join("blobs").join(account).join(container),
        }
    }

    /// Creates `dir` (and parents) while the data directory exists.
    fn ensure(&self, dir: &Path) -> io::Result<()> {
        if !self.root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the emulator's data directory is gone",
            ));
        }
        store::ensure_dir(dir)
    }

    fn tree(&self) -> PathBuf {
        self.dir.join("tree")
    }

    /// The folder holding the sidecar of `name`, and the blob's last segment.
    fn place(&self, name: &str) -> Result<(PathBuf, String), String> {
        let segs = validate_name(name)?;
        let (leaf, parents) = segs.split_last().ok_or("empty blob name")?;
        let mut dir = self.tree();
        for p in parents {
            dir.push(format!("d_{p}"));
        }
        Ok((dir, (*leaf).to_string()))
    }

    fn sidecar(dir: &Path, leaf: &str) -> PathBuf {
        dir.join(format!("b_{leaf}.json"))
    }

    fn read_sidecar(path: &Path) -> io::Result<Option<BlobMeta>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The blob's properties, or None when it does not exist.
    pub fn head(&self, name: &str) -> io::Result<Option<BlobMeta>> {
        let Ok((dir, leaf)) = self.place(name) else {
            return Ok(None);
        };
        Self::read_sidecar(&Self::sidecar(&dir, &leaf))
    }

    /// The data file of a committed blob.
    pub fn data_path(&self, meta: &BlobMeta) -> Option<PathBuf> {
        let (dir, _) = self.place(&meta.name).ok()?;
        // The sidecar names a file beside it, never a path elsewhere.
        let plain = !meta.data.is_empty()
            && !meta.data.contains(['/', '\\', '\0'])
            && meta.data != "."
            && meta.data != "..";
        plain.then(|| dir.join(&meta.data))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.dir.join(".staging").join("tmp")
    }

    fn blocks_dir(&self, name: &str) -> PathBuf {
        self.dir.join(".staging").join("blocks").join(sha_hex(name))
    }

    /// Streams `body` into a temporary file of this container, at most `limit` bytes.
    pub async fn stage_body(
        &self,
        body: axum::body::Body,
        limit: u64,
    ) -> Result<Staged, WriteError> {
        let tmp = self.tmp_dir();
        self.ensure(&tmp)?;
        let path = tmp.join(uuid::Uuid::new_v4().simple().to_string());
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        let mut staged = Staged {
            path,
            len: 0,
            md5: [0; 16],
        };
        let mut md5 = Md5::new();
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
            staged.len = staged.len.saturating_add(chunk.len() as u64);
            if staged.len > limit {
                return Err(WriteError::TooLarge);
            }
            md5.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        staged.md5 = md5.finalize().into();
        Ok(staged)
    }

    /// Makes `staged` the content of blob `name` (Put Blob, Put Block List).
    pub fn commit(
        &self,
        name: &str,
        staged: Staged,
        mut meta: BlobMeta,
        if_none_match: bool,
    ) -> Result<BlobMeta, WriteError> {
        let (dir, leaf) = self
            .place(name)
            .map_err(|m| WriteError::Io(io::Error::new(io::ErrorKind::InvalidInput, m)))?;
        self.ensure(&dir)?;
        let now = now_ms();
        let stamp = uuid::Uuid::new_v4().simple().to_string();
        let _guard = commit_lock();
        let sidecar = Self::sidecar(&dir, &leaf);
        let old = Self::read_sidecar(&sidecar)?;
        if if_none_match && old.is_some() {
            return Err(WriteError::AlreadyExists);
        }
        let data = format!("v_{leaf}~{stamp}");
        std::fs::rename(&staged.path, dir.join(&data))?;
        meta.name = name.to_string();
        meta.size = staged.len;
        meta.etag = format!("\"0x{:X}{}\"", now, &stamp[..8].to_ascii_uppercase());
        meta.last_modified_ms = now;
        meta.created_ms = old.as_ref().map_or(now, |o| o.created_ms);
        meta.data = data;
        let bytes = serde_json::to_vec(&meta).map_err(|e| io::Error::other(e.to_string()))?;
        if let Err(e) = store::write_atomic(&sidecar, &bytes) {
            let _ = std::fs::remove_file(dir.join(&meta.data));
            return Err(e.into());
        }
        if let Some(old) = old
            && old.data != meta.data
        {
            let _ = std::fs::remove_file(dir.join(&old.data));
        }
        Ok(meta)
    }

    /// Replaces the blob's metadata (Set Blob Metadata); None when the blob does not exist.
    pub fn set_metadata(
        &self,
        name: &str,
        metadata: BTreeMap<String, String>,
    ) -> io::Result<Option<BlobMeta>> {
        let Ok((dir, leaf)) = self.place(name) else {
            return Ok(None);
        };
        let _guard = commit_lock();
        let sidecar = Self::sidecar(&dir, &leaf);
        let Some(mut meta) = Self::read_sidecar(&sidecar)? else {
            return Ok(None);
        };
        let now = now_ms();
        meta.metadata = metadata;
        meta.last_modified_ms = now;
        meta.etag = format!(
            "\"0x{:X}{}\"",
            now,
            &uuid::Uuid::new_v4().simple().to_string()[..8].to_ascii_uppercase()
        );
        let bytes = serde_json::to_vec(&meta).map_err(|e| io::Error::other(e.to_string()))?;
        store::write_atomic(&sidecar, &bytes)?;
        Ok(Some(meta))
    }

    /// Keeps `staged` as the uncommitted block `id` (raw bytes of the decoded id) of `name`.
    pub fn put_block(&self, name: &str, id: &[u8], staged: Staged) -> Result<(), WriteError> {
        validate_name(name)
            .map_err(|m| WriteError::Io(io::Error::new(io::ErrorKind::InvalidInput, m)))?;
        let dir = self.blocks_dir(name);
        self.ensure(&dir)?;
        std::fs::rename(&staged.path, dir.join(hex(id)))?;
        Ok(())
    }

    /// Commits a block list: each entry is (`Latest`|`Committed`|`Uncommitted`, raw id, base64
    /// id). The new blob is the concatenation; uncommitted blocks not listed are discarded.
    pub fn put_block_list(
        &self,
        name: &str,
        list: &[(String, Vec<u8>, String)],
        meta: BlobMeta,
        if_none_match: bool,
    ) -> Result<BlobMeta, WriteError> {
        let blocks = self.blocks_dir(name);
        let old = self.head(name)?;
        let old_data = old.as_ref().and_then(|o| self.data_path(o));
        // Offsets of the committed blocks in the current data file.
        let mut committed: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        if let Some(o) = &old {
            let mut off = 0u64;
            for (id, len) in &o.blocks {
                committed.insert(id.clone(), (off, *len));
                off += len;
            }
        }
        let tmp = self.tmp_dir();
        self.ensure(&tmp)?;
        let path = tmp.join(uuid::Uuid::new_v4().simple().to_string());
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        let mut staged = Staged {
            path,
            len: 0,
            md5: [0; 16],
        };
        let mut md5 = Md5::new();
        let mut ids = Vec::new();
        let mut buf = vec![0u8; 256 * 1024];
        for (kind, raw, b64) in list {
            let uncommitted = blocks.join(hex(raw));
            let use_uncommitted = match kind.as_str() {
                "Uncommitted" => true,
                "Committed" => false,
                _ => uncommitted.is_file(),
            };
            let (mut reader, len): (Box<dyn Read>, u64) = if use_uncommitted {
                let f = std::fs::File::open(&uncommitted).map_err(|_| {
                    WriteError::InvalidBlockList(format!("block {b64} was not uploaded"))
                })?;
                let len = f.metadata()?.len();
                (Box::new(f), len)
            } else {
                let (Some((off, len)), Some(data)) = (committed.get(b64), &old_data) else {
                    return Err(WriteError::InvalidBlockList(format!(
                        "block {b64} is neither uncommitted nor committed"
                    )));
                };
                let mut f = std::fs::File::open(data)?;
                std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(*off))?;
                (Box::new(f.take(*len)), *len)
            };
            let mut left = len;
            while left > 0 {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    return Err(WriteError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a block ended early",
                    )));
                }
                let n = n.min(left as usize);
                md5.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                left -= n as u64;
            }
            staged.len += len;
            ids.push((b64.clone(), len));
        }
        out.sync_all()?;
        drop(out);
        staged.md5 = md5.finalize().into();
        let mut meta = meta;
        meta.blocks = ids;
        if meta.md5.is_none() {
            meta.md5 = Some(azure_core::base64::encode(staged.md5));
        }
        let committed = self.commit(name, staged, meta, if_none_match)?;
        let _ = std::fs::remove_dir_all(&blocks);
        Ok(committed)
    }

    /// Every committed blob whose name starts with `prefix`, in lexical order of names.
    pub fn list(&self, prefix: &str) -> io::Result<Vec<BlobMeta>> {
        let mut out = Vec::new();
        self.walk_prefix(prefix, &mut |m| {
            out.push(m);
            true
        })?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Whether any committed blob's name starts with `prefix`.
    pub fn any_with_prefix(&self, prefix: &str) -> io::Result<bool> {
        let mut found = false;
        self.walk_prefix(prefix, &mut |_| {
            found = true;
            false
        })?;
        Ok(found)
    }

    /// Calls `f` on blobs under `prefix` until it returns false.
    fn walk_prefix(&self, prefix: &str, f: &mut dyn FnMut(BlobMeta) -> bool) -> io::Result<()> {
        // The folder of the complete segments of the prefix.
        let mut dir = self.tree();
        let segs: Vec<&str> = prefix.split('/').collect();
        if let Some((_, complete)) = segs.split_last() {
            for s in complete {
                if s.is_empty() || *s == "." || *s == ".." || s.contains('\0') {
                    return Ok(());
                }
                dir.push(format!("d_{s}"));
            }
        }
        fn walk(dir: &Path, prefix: &str, f: &mut dyn FnMut(BlobMeta) -> bool) -> io::Result<bool> {
            let entries = match std::fs::read_dir(dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let ft = entry.file_type()?;
                if ft.is_dir() && name.starts_with("d_") {
                    if !walk(&entry.path(), prefix, f)? {
                        return Ok(false);
                    }
                } else if ft.is_file()
                    && name.starts_with("b_")
                    && name.ends_with(".json")
                    && let Some(meta) = Container::read_sidecar(&entry.path())?
                    && meta.name.starts_with(prefix)
                    && !f(meta)
                {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        walk(&dir, prefix, f).map(|_| ())
    }
}

/// Copies every blob under `prefix` (a folder: names relative to `prefix/`; or a single blob
/// named exactly `prefix`) into `dest`, keeping the folder structure. Returns the number of
/// files written. Names are validated, so nothing lands outside `dest`.
pub fn materialise(c: &Container, prefix: &str, dest: &Path) -> io::Result<usize> {
    let folder_only = prefix.ends_with('/');
    let prefix = prefix.trim_matches('/');
    let mut n = 0;
    std::fs::create_dir_all(dest)?;
    if !prefix.is_empty()
        && !folder_only
        && let Some(meta) = c.head(prefix)?
    {
        let leaf = prefix.rsplit('/').next().unwrap_or(prefix);
        if let Some(src) = c.data_path(&meta) {
            std::fs::copy(src, dest.join(leaf))?;
            n += 1;
        }
        return Ok(n);
    }
    let folder = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    for meta in c.list(&folder)? {
        let rel = &meta.name[folder.len()..];
        if validate_name(rel).is_err() {
            continue;
        }
        let target = dest.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if let Some(src) = c.data_path(&meta) {
            std::fs::copy(src, &target)?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_are_refused() {
        for bad in ["", "/abs", "a/../b", "..", "a//b", "a/./b", "a\0b", "a\\b"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            validate_name("LocalUpload/x/src/a.py").unwrap(),
            ["LocalUpload", "x", "src", "a.py"]
        );
        assert!(valid_container("azureml-blobstore-0a1b"));
        assert!(!valid_container("Bad_Name"));
        assert!(valid_account("emuacct0a1b"));
    }

    fn stage(c: &Container, bytes: &[u8]) -> Staged {
        let tmp = c.tmp_dir();
        c.ensure(&tmp).unwrap();
        let path = tmp.join(uuid::Uuid::new_v4().simple().to_string());
        std::fs::write(&path, bytes).unwrap();
        Staged {
            path,
            len: bytes.len() as u64,
            md5: Md5::digest(bytes).into(),
        }
    }

    #[test]
    fn a_blob_and_a_folder_of_the_same_name_coexist_and_list_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let c = Container::new(dir.path(), "acct", "cont");
        for name in ["a/b", "a", "a/c/d", "b"] {
            c.commit(name, stage(&c, name.as_bytes()), BlobMeta::default(), true)
                .unwrap();
        }
        let names: Vec<String> = c.list("").unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["a", "a/b", "a/c/d", "b"]);
        let names: Vec<String> = c.list("a/").unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["a/b", "a/c/d"]);
        assert!(matches!(
            c.commit("a", stage(&c, b"x"), BlobMeta::default(), true),
            Err(WriteError::AlreadyExists)
        ));
        let out = dir.path().join("out");
        assert_eq!(materialise(&c, "a", &out).unwrap(), 1);
        assert_eq!(std::fs::read(out.join("a")).unwrap(), b"a");
        let out2 = dir.path().join("out2");
        assert_eq!(materialise(&c, "a/", &out2).unwrap(), 2);
        assert_eq!(std::fs::read(out2.join("c/d")).unwrap(), b"a/c/d");
    }
}
