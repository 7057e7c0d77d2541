//! Blob Storage uploads (submit.md §4.3–§4.4, §7, §10) into a container reached through a SAS:
//! the pending-upload `sasUri` of a code snapshot ([`Container::from_sas_uri`]: its last path
//! segment is the "container", as `ContainerClient.from_container_url` reads it) or a datastore's
//! container with a SAS token from `listSecrets` ([`Container::from_datastore`]). Get Blob
//! Properties (HEAD, with metadata), Put Blob (`Content-MD5`, `If-None-Match: *`), Put Block
//! (4 MiB, base64 ids of one length) and Put Block List for files above 64 MiB, Set Blob
//! Metadata; [`Container::upload_files`] sends many files at once (8 at a time, and at most
//! [`MEMORY_BUDGET`] bytes read into memory at once: files are read from disk, big ones block by
//! block, never whole), reporting bytes and files as they go. [`code_uri`] is the SDK's
//! `urljoin` rule for the code version's `codeUri`.
//!
//! Retries: the pipeline repeats a Put Blob after a dropped connection or a 5xx. If the first
//! attempt did land, the repeat meets `If-None-Match: *` and gets 409 `BlobAlreadyExists`; the
//! blob is then HEADed and accepted when its size (and its `Content-MD5`, when the service
//! keeps one) is ours, refused otherwise. (Dropping `If-None-Match` on a retry would overwrite
//! someone else's blob of the same name without a word.)
//!
//! Must not: send a bearer token (SAS requests go `without_auth()`), or put the SAS query into
//! an error, a log line or a progress message: errors carry the path only (`redact_url`) and
//! any echo of the signature in a service message is masked.

use super::error::{ApiError, AzureError, ErrorDetail, Result, redact_url};
use super::http::{Pipeline, Request, Response};
use crate::azure::models::Secret;
use futures::StreamExt;
use reqwest::Method;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use url::Url;

/// The storage REST version sent (the one azure-storage-blob 12.31.1 sends, §0).
pub const STORAGE_VERSION: &str = "2026-10-06";
/// Files up to this size go up in one Put Blob (the SDK's `max_single_put_size`).
pub const MAX_SINGLE_PUT: u64 = 64 * 1024 * 1024;
/// The block size of bigger files (the SDK's `max_block_size`).
pub const BLOCK_SIZE: u64 = 4 * 1024 * 1024;
/// Files uploaded at the same time.
pub const FILE_CONCURRENCY: usize = 8;
/// Blocks of one big file uploaded at the same time.
pub const BLOCK_CONCURRENCY: usize = 4;
/// The most file bytes held in memory at once by [`Container::upload_files`].
pub const MEMORY_BUDGET: u64 = 96 * 1024 * 1024;

/// The completion mark of an upload (§4.4), on the indicator blob.
pub const META_UPLOAD_STATUS: &str = "x-ms-meta-upload_status";
pub const META_NAME: &str = "x-ms-meta-name";
pub const META_VERSION: &str = "x-ms-meta-version";

/// A blob's properties from a HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobProperties {
    pub size: Option<u64>,
    pub content_md5: Option<String>,
    /// `x-ms-meta-*` pairs, names lower-cased, without the prefix.
    pub metadata: Vec<(String, String)>,
}

impl BlobProperties {
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    pub blob: String,
    pub source: PathBuf,
    pub size: u64,
}

/// Progress of [`Container::upload_files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A container (or a folder of one) reached with a SAS.
#[derive(Clone)]
pub struct Container {
    pipeline: Pipeline,
    /// Scheme, host and path of the container, no trailing slash, no query.
    base: Url,
    /// The SAS query, verbatim (empty with an account key).
    sas: Secret,
    /// `(account, base64 key)` of a datastore holding an account key: requests are signed
    /// with SharedKey instead of carrying a SAS.
    shared_key: Option<(String, Secret)>,
    /// [`MAX_SINGLE_PUT`] and [`BLOCK_SIZE`] (smaller in tests).
    single_put_max: u64,
    block_size: u64,
    /// `If-None-Match: *` on uploads (off to overwrite an unconfirmed partial upload, §4.4).
    if_none_match: bool,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("base", &self.base.as_str())
            .field("sas", &self.sas)
            .finish()
    }
}

impl Container {
    /// The container of a pending upload's `sasUri` (§4.3): everything up to its last path
    /// segment is kept as the base, the query as the SAS. A `sasUri` without a path segment is
    /// refused, as `from_container_url` refuses it.
    pub fn from_sas_uri(pipeline: Pipeline, sas_uri: &Secret) -> Result<Container> {
        let mut url = Url::parse(sas_uri.expose())
            .map_err(|_| AzureError::Invalid("the upload location (sasUri) is not a URL".into()))?;
        let sas = url.query().unwrap_or("").to_string();
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().trim_matches('/').to_string();
        if path.is_empty() {
            return Err(AzureError::Invalid(format!(
                "the upload location {} names no container",
                redact_url(&url)
            )));
        }
        url.set_path(&format!("/{path}"));
        Ok(Container {
            pipeline,
            base: url,
            sas: Secret::new(sas),
            shared_key: None,
            single_put_max: MAX_SINGLE_PUT,
            block_size: BLOCK_SIZE,
            if_none_match: true,
        })
    }

    /// A datastore's container: `{blob endpoint}{container}` with a SAS token (§7).
    pub fn from_datastore(
        pipeline: Pipeline,
        endpoint: &Url,
        container: &str,
        sas_token: &Secret,
    ) -> Result<Container> {
        let mut url = endpoint.clone();
        url.set_query(None);
        {
            let mut segs = url.path_segments_mut().map_err(|_| {
                AzureError::Invalid(format!("{endpoint} cannot hold a container path"))
            })?;
            segs.pop_if_empty().push(container);
        }
        Ok(Container {
            pipeline,
            base: url,
            sas: Secret::new(sas_token.expose().trim_start_matches('?')),
            shared_key: None,
            single_put_max: MAX_SINGLE_PUT,
            block_size: BLOCK_SIZE,
            if_none_match: true,
        })
    }

    /// A datastore's container reached with its storage account key (SharedKey signatures).
    pub fn from_datastore_key(
        pipeline: Pipeline,
        endpoint: &Url,
        account: &str,
        container: &str,
        key: &Secret,
    ) -> Result<Container> {
        if crate::wizard::rules::base64_decode(key.expose().trim()).is_none() {
            return Err(AzureError::Invalid(format!(
                "the account key of storage account {account} is not base64"
            )));
        }
        let mut c = Container::from_datastore(pipeline, endpoint, container, &Secret::new(""))?;
        c.shared_key = Some((account.to_string(), key.clone()));
        Ok(c)
    }

    /// Uploads overwrite what is there (an earlier upload that never got its completion mark,
    /// §4.4): no `If-None-Match`.
    pub fn overwriting(mut self) -> Self {
        self.if_none_match = false;
        self
    }

    /// Other thresholds for Put Blob and blocks (tests).
    pub fn with_thresholds(mut self, single_put_max: u64, block_size: u64) -> Self {
        self.single_put_max = single_put_max;
        self.block_size = block_size.max(1);
        self
    }

    /// The container URL without its SAS (safe to show).
    pub fn shown(&self) -> String {
        redact_url(&self.base)
    }

    /// The last path segment of the container URL (the SDK's "container" name).
    pub fn last_segment(&self) -> &str {
        self.base
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or("")
    }

    /// The blob's URL without its SAS (`{container}/{name}`).
    pub fn blob_url_unsigned(&self, name: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            for part in name.split('/') {
                segs.push(part);
            }
        }
        url
    }

    fn blob_url(&self, name: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.blob_url_unsigned(name);
        let mut q = self.sas.expose().to_string();
        for (k, v) in query {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(k);
            q.push('=');
            q.push_str(&percent_encode(v));
        }
        url.set_query((!q.is_empty()).then_some(q.as_str()));
        url
    }

    fn request(&self, method: Method, url: Url) -> Request {
        Request::new(method, url)
            .without_auth()
            .header("x-ms-version", STORAGE_VERSION)
    }

    /// Sends `req` (signed with SharedKey when the container has an account key).
    async fn send(&self, req: Request) -> Result<Response> {
        let req = match &self.shared_key {
            Some((account, key)) => sign_shared_key(
                req,
                account,
                key,
                &now_rfc1123(),
                &uuid::Uuid::new_v4().to_string(),
            )?,
            None => req,
        };
        self.pipeline.send_raw(req).await
    }

    /// Get Blob Properties; `None` for any 404.
    pub async fn head(&self, name: &str) -> Result<Option<BlobProperties>> {
        let url = self.blob_url(name, &[]);
        let r = self.send(self.request(Method::HEAD, url)).await?;
        if r.status.as_u16() == 404 {
            return Ok(None);
        }
        if !r.status.is_success() {
            return Err(self.error(&r));
        }
        let mut metadata = Vec::new();
        for (k, v) in &r.headers {
            if let Some(meta) = k.as_str().strip_prefix("x-ms-meta-")
                && let Ok(v) = v.to_str()
            {
                metadata.push((meta.to_string(), v.to_string()));
            }
        }
        Ok(Some(BlobProperties {
            size: r.header("content-length").and_then(|v| v.parse().ok()),
            content_md5: r.header("content-md5").map(str::to_string),
            metadata,
        }))
    }

    /// Put Blob of `data` (§4.4). With `if_none_match` an existing blob is not overwritten: a
    /// 409 `BlobAlreadyExists` is accepted when the blob there is ours (same size and MD5),
    /// which is what a retried Put Blob whose first attempt landed meets.
    pub async fn put_blob(
        &self,
        name: &str,
        data: bytes::Bytes,
        if_none_match: bool,
    ) -> Result<()> {
        let url = self.blob_url(name, &[]);
        let md5 = (!data.is_empty()).then(|| base64(&md5(&data)));
        let size = data.len() as u64;
        let mut req = self
            .request(Method::PUT, url)
            .header("x-ms-blob-type", "BlockBlob")
            .bytes(data, Some("application/octet-stream"));
        if let Some(m) = &md5 {
            req = req.header("content-md5", m.clone());
        }
        if if_none_match {
            req = req.header("if-none-match", "*");
        }
        let r = self.send(req).await?;
        if r.status.is_success() {
            return Ok(());
        }
        if r.status.as_u16() == 409 && error_code(&r).as_deref() == Some("BlobAlreadyExists") {
            return self.accept_existing(name, size, md5.as_deref(), &r).await;
        }
        Err(self.error(&r))
    }

    /// A 409 on a blob we meant to create: ours (a repeated attempt that had landed) or not.
    async fn accept_existing(
        &self,
        name: &str,
        size: u64,
        md5: Option<&str>,
        conflict: &Response,
    ) -> Result<()> {
        match self.head(name).await? {
            Some(p)
                if p.size == Some(size)
                    && (p.content_md5.is_none()
                        || md5.is_none()
                        || p.content_md5.as_deref() == md5) =>
            {
                tracing::debug!(blob = %name, "blob already there with our content (a retried upload had landed)");
                Ok(())
            }
            _ => Err(self.error(conflict)),
        }
    }

    /// Put Block (§4.4): an uncommitted block of `name`.
    pub async fn put_block(&self, name: &str, block_id: &str, data: bytes::Bytes) -> Result<()> {
        let url = self.blob_url(name, &[("comp", "block"), ("blockid", block_id)]);
        let md5 = base64(&md5(&data));
        let req = self
            .request(Method::PUT, url)
            .header("content-md5", md5)
            .bytes(data, Some("application/octet-stream"));
        let r = self.send(req).await?;
        if r.status.is_success() {
            Ok(())
        } else {
            Err(self.error(&r))
        }
    }

    /// Put Block List: the blob becomes the blocks in this order (§4.4).
    pub async fn put_block_list(&self, name: &str, ids: &[String], size: u64) -> Result<()> {
        let url = self.blob_url(name, &[("comp", "blocklist")]);
        let body = block_list_xml(ids);
        let md5 = base64(&md5(body.as_bytes()));
        let mut req = self.request(Method::PUT, url).header("content-md5", md5);
        if self.if_none_match {
            req = req.header("if-none-match", "*");
        }
        let req = req.bytes(body.into_bytes(), Some("application/xml"));
        let r = self.send(req).await?;
        if r.status.is_success() {
            return Ok(());
        }
        if r.status.as_u16() == 409 && error_code(&r).as_deref() == Some("BlobAlreadyExists") {
            return self.accept_existing(name, size, None, &r).await;
        }
        Err(self.error(&r))
    }

    /// Set Blob Metadata (replaces all of it); keys are whole header names
    /// ([`META_UPLOAD_STATUS`], …).
    pub async fn set_metadata(&self, name: &str, metadata: &[(&'static str, &str)]) -> Result<()> {
        let url = self.blob_url(name, &[("comp", "metadata")]);
        let mut req = self.request(Method::PUT, url);
        for (k, v) in metadata {
            req.headers.push((*k, v.to_string()));
        }
        let req = req.bytes(bytes::Bytes::new(), None);
        let r = self.send(req).await?;
        if r.status.is_success() {
            Ok(())
        } else {
            Err(self.error(&r))
        }
    }

    /// Uploads one file from disk: Put Blob up to [`MAX_SINGLE_PUT`], blocks above. `sent` is
    /// called with the bytes of each part as it lands.
    pub async fn upload_file(
        &self,
        file: &UploadFile,
        budget: &tokio::sync::Semaphore,
        sent: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<()> {
        let io = |e: std::io::Error| {
            AzureError::Invalid(format!("cannot read {}: {e}", file.source.display()))
        };
        if file.size <= self.single_put_max {
            let _permit = budget
                .acquire_many(permits(file.size))
                .await
                .map_err(|_| AzureError::Invalid("the upload was stopped".into()))?;
            // At most one byte more than the snapshot saw: a file that grew since is said,
            // never read whole into memory.
            let data = read_at_most(&file.source, file.size + 1)
                .await
                .map_err(io)?;
            if data.len() as u64 != file.size {
                let now = if data.len() as u64 > file.size {
                    "more bytes".to_string()
                } else {
                    format!("{} bytes", data.len())
                };
                return Err(AzureError::Invalid(format!(
                    "{} changed while it was uploaded ({now}, {} when the snapshot was made): submit again",
                    file.source.display(),
                    file.size
                )));
            }
            let n = data.len() as u64;
            self.put_blob(&file.blob, data.into(), self.if_none_match)
                .await?;
            sent(n);
            return Ok(());
        }
        let block_size = self.block_size;
        let blocks = file.size.div_ceil(block_size);
        let ids = block_ids(blocks as usize);
        // Indices, not references, go through the stream: a closure taking a borrowed item
        // makes the future not `Send` (rustc's higher-ranked closure inference).
        let ids = &ids;
        let results = futures::stream::iter(0..ids.len())
            .map(|i| async move {
                let id = &ids[i];
                let offset = i as u64 * block_size;
                let len = block_size.min(file.size - offset);
                let _permit = budget
                    .acquire_many(permits(len))
                    .await
                    .map_err(|_| AzureError::Invalid("the upload was stopped".into()))?;
                let data = read_range(&file.source, offset, len).await.map_err(io)?;
                self.put_block(&file.blob, id, data.into()).await?;
                sent(len);
                Ok::<(), AzureError>(())
            })
            .buffer_unordered(BLOCK_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        for r in results {
            r?;
        }
        self.put_block_list(&file.blob, ids, file.size).await
    }

    /// Uploads `files` ([`FILE_CONCURRENCY`] at a time), calling `progress` after each part;
    /// the first failure ends the upload (files in flight finish or fail first).
    pub async fn upload_files(
        &self,
        files: &[UploadFile],
        progress: &(dyn Fn(UploadProgress) + Send + Sync),
    ) -> Result<()> {
        let budget = tokio::sync::Semaphore::new(permits(MEMORY_BUDGET) as usize);
        let files_total = files.len();
        let bytes_total: u64 = files.iter().map(|f| f.size).sum();
        let bytes_done = Arc::new(AtomicU64::new(0));
        let files_done = Arc::new(AtomicUsize::new(0));
        let report = || UploadProgress {
            files_done: files_done.load(Ordering::Relaxed),
            files_total,
            bytes_done: bytes_done.load(Ordering::Relaxed),
            bytes_total,
        };
        let sent = |n: u64| {
            bytes_done.fetch_add(n, Ordering::Relaxed);
            progress(report());
        };
        let mut stream = futures::stream::iter(0..files.len())
            .map(|i| {
                let budget = &budget;
                let sent = &sent;
                async move { self.upload_file(&files[i], budget, sent).await }
            })
            .buffer_unordered(FILE_CONCURRENCY);
        while let Some(r) = stream.next().await {
            r?;
            files_done.fetch_add(1, Ordering::Relaxed);
            progress(report());
        }
        Ok(())
    }

    /// The typed error of a storage answer: `x-ms-error-code` and the XML `<Message>`, the URL
    /// without its query, any echo of the signature masked.
    fn error(&self, r: &Response) -> AzureError {
        let code = error_code(r).unwrap_or_else(|| {
            r.status
                .canonical_reason()
                .unwrap_or("HttpError")
                .replace(' ', "")
        });
        let body = String::from_utf8_lossy(&r.body);
        let message = xml_text(&body, "Message")
            .map(|m| m.lines().next().unwrap_or("").trim().to_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| format!("the storage service answered {}", r.status));
        AzureError::Api(Box::new(ApiError {
            status: r.status.as_u16(),
            method: r.method.to_string(),
            url: redact_url(&r.url),
            error: ErrorDetail {
                code,
                message: self.scrub(&message),
                ..ErrorDetail::default()
            },
            request_id: r.header("x-ms-request-id").map(str::to_string),
        }))
    }

    /// `text` with the SAS query and its signature masked.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        let sas = self.sas.expose();
        if !sas.is_empty() {
            out = out.replace(sas, "***");
        }
        for pair in sas.split('&') {
            if let Some(sig) = pair.strip_prefix("sig=")
                && !sig.is_empty()
            {
                out = out.replace(sig, "***");
            }
        }
        out
    }
}

/// The SDK's `codeUri` (§4.3): `urljoin(blobUri, "{last segment of sasUri}/{folder}")`; for a
/// single file the folder is empty (a trailing slash).
pub fn code_uri(blob_uri: &str, last_segment: &str, folder: Option<&str>) -> Result<String> {
    let base = Url::parse(blob_uri)
        .map_err(|_| AzureError::Invalid("the upload's blobUri is not a URL".into()))?;
    let reference = format!(
        "{}/{}",
        percent_encode(last_segment),
        folder.map(percent_encode).unwrap_or_default()
    );
    base.join(&reference)
        .map(|u| u.to_string())
        .map_err(|e| AzureError::Invalid(format!("cannot form the codeUri: {e}")))
}

/// The date as the `x-ms-date` header wants it (RFC 1123, GMT).
fn now_rfc1123() -> String {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_default()
}

/// The SharedKey string to sign of a Blob request (storage versions 2015-02-21 and later).
pub fn shared_key_string(req: &Request, account: &str) -> String {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let (length, content_type) = match &req.raw {
        Some(raw) if !raw.data.is_empty() => (
            raw.data.len().to_string(),
            raw.content_type.clone().unwrap_or_default(),
        ),
        Some(raw) => (String::new(), raw.content_type.clone().unwrap_or_default()),
        None => (String::new(), String::new()),
    };
    let mut s = format!(
        "{}\n\n\n{length}\n{}\n{content_type}\n\n\n{}\n{}\n\n{}\n",
        req.method,
        header("content-md5"),
        header("if-match"),
        header("if-none-match"),
        header("range"),
    );
    let mut ms: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-ms-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    ms.sort();
    for (n, v) in ms {
        s.push_str(&format!("{n}:{v}\n"));
    }
    s.push('/');
    s.push_str(account);
    s.push_str(req.url.path());
    let mut q: Vec<(String, String)> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect();
    q.sort();
    for (k, v) in q {
        s.push_str(&format!("\n{k}:{v}"));
    }
    s
}

/// `req` with `x-ms-date`, a client request id and `Authorization: SharedKey …` (the
/// pipeline keeps a request's own id, which the signature covers).
fn sign_shared_key(
    mut req: Request,
    account: &str,
    key: &Secret,
    date: &str,
    request_id: &str,
) -> Result<Request> {
    let key = crate::wizard::rules::base64_decode(key.expose().trim()).ok_or_else(|| {
        AzureError::Invalid(format!(
            "the account key of storage account {account} is not base64"
        ))
    })?;
    req = req
        .header("x-ms-date", date)
        .header("x-ms-client-request-id", request_id);
    let to_sign = shared_key_string(&req, account);
    let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
    let sig = base64(aws_lc_rs::hmac::sign(&k, to_sign.as_bytes()).as_ref());
    Ok(req.header("authorization", format!("SharedKey {account}:{sig}")))
}

/// `x-ms-error-code` of an answer.
fn error_code(r: &Response) -> Option<String> {
    r.header("x-ms-error-code")
        .map(str::to_string)
        .or_else(|| xml_text(&String::from_utf8_lossy(&r.body), "Code"))
}

/// The text of the first `<tag>…</tag>` in `xml`.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].to_string())
}

/// Permits of the memory budget for `bytes` (64 KiB units, at least one).
fn permits(bytes: u64) -> u32 {
    bytes.div_ceil(64 * 1024).max(1).min(u64::from(u32::MAX)) as u32
}

/// The first `limit` bytes of a file (all of it when shorter).
async fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let f = tokio::fs::File::open(path).await?;
    let mut buf = Vec::new();
    f.take(limit).read_to_end(&mut buf).await?;
    Ok(buf)
}

async fn read_range(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut f = tokio::fs::File::open(path).await?;
    f.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Block ids of one blob: base64 of 48 decimal digits (a random prefix and the index), all of
/// the same length as the service requires.
pub fn block_ids(n: usize) -> Vec<String> {
    let prefix: String = (0..38)
        .map(|_| char::from(b'0' + fastrand::u8(0..10)))
        .collect();
    (0..n)
        .map(|i| base64(format!("{prefix}{i:010}").as_bytes()))
        .collect()
}

/// The Put Block List body, as azure-storage-blob writes it.
pub fn block_list_xml(ids: &[String]) -> String {
    let mut s = String::from("<?xml version='1.0' encoding='utf-8'?>\n<BlockList>");
    for id in ids {
        s.push_str("<Latest>");
        s.push_str(id);
        s.push_str("</Latest>");
    }
    s.push_str("</BlockList>");
    s
}

fn percent_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn base64(bytes: &[u8]) -> String {
    crate::app::clipboard::base64(bytes)
}

/// MD5 (RFC 1321) of `data`, for `Content-MD5` (an integrity check the service verifies, not a
/// security measure).
pub fn md5(data: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(data).into()
}

#[cfg(test)]
mod tests;
