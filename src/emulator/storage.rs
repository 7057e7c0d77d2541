//! The Blob Storage surface of the emulator, path-style on the emulator itself:
//! `/storage/{account}/{container}[/{blob}]`, with the operations and status codes the Python
//! storage client requires (submit.md §10): Put Blob, Put Block, Put Block List, Set Blob
//! Metadata, Get Blob Properties (HEAD), Get Blob with `x-ms-range`/`Range`, List Blobs (also on
//! a "virtual container" `/storage/{a}/{c}/{folder}?restype=container&comp=list`, which is what
//! a client given a folder-scoped SAS URL sends), and container properties. Answers carry
//! `x-ms-version` (echoed) and `x-ms-request-id` (added by the server); errors use the storage
//! shape (`x-ms-error-code` header, XML `<Error><Code/><Message/></Error>`), never ARM's.
//!
//! Each workspace has one storage account, named after its `storageAccount` resource (see
//! [`account_name`]); any valid container name in it exists implicitly. Storage is
//! `blobstore.rs`.
//!
//! Auth: the emulator's bearer token, or a service SAS the emulator signed ([`sas_query`]):
//! `sv`, `sr` (`c` container, `d` folder with `sdd` = its depth, `b` blob), `sp`, optional `st`,
//! `se`, `sig` = base64 HMAC-SHA256, keyed with `<data>/blob.key`, of
//! `"{sp}\n{st}\n{se}\n/blob/{account}/{container}[/{scope}]\n{sv}\n{sr}"`, where `scope` is the
//! first `sdd` segments of the blob path (sr=d) or the blob name (sr=b). A wrong or missing
//! signature, a path outside the scope, a start in the future or a passed expiry is 403
//! `AuthenticationFailed`; a missing permission letter (`r` read, `w`/`c` write, `l` list) is
//! 403 `AuthorizationPermissionMismatch`. Signatures and tokens are never logged.

use super::blobstore::{self, BlobMeta, Container, WriteError};
use super::http::{ct_eq, enc};
use super::model::{Workspace, get_str, http_date, now_ms, parse_iso};
use super::shared::Sh;
use aws_lc_rs::hmac;
use axum::extract::{Path, Query as Q, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::Digest as _;
use std::collections::{BTreeMap, HashMap};
use tokio::io::AsyncSeekExt;

/// The largest body one request may carry.
pub const MAX_REQUEST_BYTES: u64 = 256 * 1024 * 1024;
/// The largest Put Block List body.
const MAX_BLOCK_LIST_BYTES: usize = 4 * 1024 * 1024;
/// The storage service version the emulator answers with when the client sends none.
const DEFAULT_VERSION: &str = "2021-08-06";
/// The SAS version the emulator signs.
const SAS_VERSION: &str = "2021-08-06";

/// The storage account of a workspace: the name of its `storageAccount` resource when that is a
/// valid account name, else `emuacct` and the first 12 hex digits of its workspace id.
pub fn account_name(ws: &Workspace) -> String {
    let from_body = get_str(&ws.body, &["properties", "storageAccount"])
        .and_then(|id| id.rsplit('/').next())
        .map(str::to_ascii_lowercase)
        .filter(|n| blobstore::valid_account(n));
    from_body.unwrap_or_else(|| {
        let hex: String = ws
            .workspace_id
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase();
        format!("emuacct{hex}")
    })
}

/// The container of the workspace's default datastore, `workspaceblobstore`.
pub fn default_container(ws: &Workspace) -> String {
    format!("azureml-blobstore-{}", ws.workspace_id.to_ascii_lowercase())
}

/// `{base}storage/{account}/{container}` (no trailing slash).
pub fn container_url(sh: &Sh, account: &str, container: &str) -> String {
    sh.abs(&format!("storage/{account}/{container}"))
}

/// Where a blob URI of this workspace points: (account, container, blob path or folder, kept
/// with its trailing `/`). Understands `azureml://datastores/{ds}/paths/{p}` (also the long
/// form with subscription and workspace), the emulator's own
/// `{base}storage/{account}/{container}/{p}` and `https://{account}.blob.{suffix}/{container}/{p}`.
/// None for anything else (or a datastore the workspace does not have).
pub fn resolve_uri(ws: &Workspace, uri: &str) -> Option<(String, String, String)> {
    let (account, container, path) = parse_uri(ws, uri)?;
    // Only this workspace's own storage, and names that stay inside it: a `..` (even written
    // `%2F`-encoded) never leaves the blob folder.
    if account != account_name(ws) || !blobstore::valid_container(&container) {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    if !trimmed.is_empty() && blobstore::validate_name(trimmed).is_err() {
        return None;
    }
    Some((account, container, path))
}

fn parse_uri(ws: &Workspace, uri: &str) -> Option<(String, String, String)> {
    let uri = uri.trim();
    if let Some(rest) = uri.strip_prefix("azureml://") {
        let idx = rest.find("datastores/")?;
        let after = &rest[idx + "datastores/".len()..];
        let (ds, path) = after.split_once("/paths/")?;
        if !ds.eq_ignore_ascii_case(super::assets::DEFAULT_DATASTORE) {
            return None;
        }
        return Some((account_name(ws), default_container(ws), path.to_string()));
    }
    let url = url::Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let path = percent_decode(url.path());
    let segs: Vec<&str> = path.trim_start_matches('/').splitn(4, '/').collect();
    if segs.first() == Some(&"storage") && segs.len() >= 3 {
        return Some((
            segs[1].to_string(),
            segs[2].to_string(),
            segs.get(3).unwrap_or(&"").to_string(),
        ));
    }
    let host = url.host_str()?;
    let (account, _) = host.split_once(".blob.")?;
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let container = parts.next()?.to_string();
    Some((
        account.to_ascii_lowercase(),
        container,
        parts.next().unwrap_or("").to_string(),
    ))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && s.is_char_boundary(i + 3)
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The on-disk store of a container.
pub fn container(sh: &Sh, account: &str, container: &str) -> Container {
    Container::new(&sh.paths.root, account, container)
}

fn iso_seconds(ms: i64) -> String {
    let full = super::model::iso(ms);
    // `2024-05-01T12:00:00.123Z` → `2024-05-01T12:00:00Z`
    match full.split_once('.') {
        Some((head, _)) => format!("{head}Z"),
        None => full,
    }
}

fn string_to_sign(sp: &str, st: &str, se: &str, resource: &str, sv: &str, sr: &str) -> String {
    format!("{sp}\n{st}\n{se}\n{resource}\n{sv}\n{sr}")
}

fn signature(sh: &Sh, text: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, &sh.blob_key);
    azure_core::base64::encode(hmac::sign(&key, text.as_bytes()).as_ref())
}

/// A SAS query (without `?`) for a container (`folder` None) or a folder of it, with
/// permissions `sp` and the given expiry.
pub fn sas_query(
    sh: &Sh,
    account: &str,
    container: &str,
    folder: Option<&str>,
    sp: &str,
    expiry_ms: i64,
) -> String {
    let now = now_ms();
    let st = iso_seconds(now - 5 * 60 * 1000);
    let se = iso_seconds(expiry_ms);
    let (sr, resource, sdd) = match folder
        .map(|f| f.trim_matches('/'))
        .filter(|f| !f.is_empty())
    {
        Some(f) => (
            "d",
            format!("/blob/{account}/{container}/{f}"),
            Some(f.split('/').count()),
        ),
        None => ("c", format!("/blob/{account}/{container}"), None),
    };
    let sig = signature(
        sh,
        &string_to_sign(sp, &st, &se, &resource, SAS_VERSION, sr),
    );
    let mut q = format!(
        "sv={SAS_VERSION}&st={}&se={}&sr={sr}&sp={sp}",
        enc(&st),
        enc(&se)
    );
    if let Some(d) = sdd {
        q.push_str(&format!("&sdd={d}"));
    }
    q.push_str(&format!("&spr=https,http&sig={}", enc(&sig)));
    q
}

/// A storage error answer.
pub fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{}</Code><Message>{}\nRequestId:{}\nTime:{}</Message></Error>",
        xml_escape(code),
        xml_escape(message),
        uuid::Uuid::new_v4(),
        super::model::iso(now_ms())
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(code) {
        resp.headers_mut().insert("x-ms-error-code", v);
    }
    resp
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn auth_failed(detail: &str) -> Response {
    storage_error(
        StatusCode::FORBIDDEN,
        "AuthenticationFailed",
        &format!(
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. {detail}"
        ),
    )
}

/// What an operation needs from a SAS.
#[derive(Clone, Copy)]
enum Need {
    Read,
    Write,
    List,
}

fn qp<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(String::as_str)
}

/// Checks the bearer token or the SAS of a request on `path` (the blob path, possibly empty).
fn authorize(
    sh: &Sh,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    account: &str,
    container: &str,
    path: &str,
    need: Need,
) -> Result<(), Box<Response>> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth
            .split_once(' ')
            .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        return match token {
            Some(t) if ct_eq(t.as_bytes(), sh.token.as_bytes()) => Ok(()),
            _ => Err(Box::new(auth_failed("The bearer token is not valid."))),
        };
    }
    let (Some(sig), Some(sv), Some(sr), Some(sp), Some(se)) = (
        qp(q, "sig"),
        qp(q, "sv"),
        qp(q, "sr"),
        qp(q, "sp"),
        qp(q, "se"),
    ) else {
        return Err(Box::new(auth_failed(
            "The request carries neither a bearer token nor a complete SAS (sv, sr, sp, se, sig).",
        )));
    };
    let st = qp(q, "st").unwrap_or("");
    let base = format!("/blob/{account}/{container}");
    let resource = match sr {
        "c" => Some(base),
        "b" if !path.is_empty() => Some(format!("{base}/{path}")),
        "d" => qp(q, "sdd")
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|d| *d >= 1)
            .and_then(|d| {
                let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                (segs.len() >= d).then(|| format!("{base}/{}", segs[..d].join("/")))
            }),
        _ => None,
    };
    let Some(resource) = resource else {
        return Err(Box::new(auth_failed(
            "The signed resource does not cover this path.",
        )));
    };
    // A '+' of the base64 signature arrives as a space when the client did not encode it.
    let sig = sig.replace(' ', "+");
    let want = signature(sh, &string_to_sign(sp, st, se, &resource, sv, sr));
    if !ct_eq(want.as_bytes(), sig.as_bytes()) {
        return Err(Box::new(auth_failed("Signature did not match.")));
    }
    let now = now_ms();
    if parse_iso(se).is_none_or(|e| e <= now) {
        return Err(Box::new(auth_failed("Signed expiry time has passed.")));
    }
    if !st.is_empty() && parse_iso(st).is_none_or(|s| s > now + 60_000) {
        return Err(Box::new(auth_failed("Signed start time is in the future.")));
    }
    let ok = match need {
        Need::Read => sp.contains('r'),
        Need::Write => sp.contains('w') || sp.contains('c'),
        Need::List => sp.contains('l'),
    };
    if !ok {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        )));
    }
    Ok(())
}

pub async fn container_route(
    State(sh): State<Sh>,
    Path((account, cont)): Path<(String, String)>,
    Q(q): Q<HashMap<String, String>>,
    req: Request,
) -> Response {
    serve(sh, account, cont, String::new(), q, req).await
}

pub async fn blob_route(
    State(sh): State<Sh>,
    Path((account, cont, blob)): Path<(String, String, String)>,
    Q(q): Q<HashMap<String, String>>,
    req: Request,
) -> Response {
    serve(sh, account, cont, blob, q, req).await
}

fn known_account(sh: &Sh, account: &str) -> bool {
    let world = sh.lock();
    world
        .workspaces
        .values()
        .any(|w| account_name(w) == account)
}

async fn serve(
    sh: Sh,
    account: String,
    cont: String,
    blob: String,
    q: HashMap<String, String>,
    req: Request,
) -> Response {
    let version = req
        .headers()
        .get("x-ms-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(DEFAULT_VERSION)
        .to_string();
    let mut resp = dispatch(&sh, &account, &cont, &blob, &q, req).await;
    if let Ok(v) = HeaderValue::from_str(&version) {
        resp.headers_mut().insert("x-ms-version", v);
    }
    resp
}

async fn dispatch(
    sh: &Sh,
    account: &str,
    cont: &str,
    blob: &str,
    q: &HashMap<String, String>,
    req: Request,
) -> Response {
    if !blobstore::valid_account(account) || !known_account(sh, account) {
        return storage_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The storage account {account} does not exist in this emulator."),
        );
    }
    if !blobstore::valid_container(cont) {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidResourceName",
            "The specifed resource name contains invalid characters.",
        );
    }
    if !blob.is_empty()
        && let Err(m) = blobstore::validate_name(blob)
    {
        return storage_error(StatusCode::BAD_REQUEST, "InvalidResourceName", &m);
    }
    let c = container(sh, account, cont);
    let method = req.method().clone();
    let headers = req.headers().clone();
    let restype = qp(q, "restype");
    let comp = qp(q, "comp");
    let need = match (&method, restype, comp) {
        (&Method::GET, Some("container"), Some("list")) => Need::List,
        (&Method::GET | &Method::HEAD, _, _) => Need::Read,
        _ => Need::Write,
    };
    if let Err(r) = authorize(sh, &headers, q, account, cont, blob, need) {
        return *r;
    }
    match (method, restype, comp) {
        (Method::GET, Some("container"), Some("list")) => {
            list_blobs(sh, &c, account, cont, blob, q)
        }
        (Method::GET | Method::HEAD, Some("container"), None) if blob.is_empty() => {
            let mut r = StatusCode::OK.into_response();
            put_header(&mut r, "etag", "\"0x1\"");
            put_header(&mut r, "last-modified", &http_date(0));
            r
        }
        (Method::PUT, Some("container"), None) if blob.is_empty() => {
            StatusCode::CREATED.into_response()
        }
        (_, _, _) if blob.is_empty() => storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "This container operation is not supported by the emulator.",
        ),
        (Method::HEAD, None, None) => properties(&c, blob, true).await,
        (Method::GET, None, None) => get_blob(&c, blob, &headers).await,
        (Method::PUT, None, None) => put_blob(&c, blob, req).await,
        (Method::PUT, None, Some("block")) => put_block(&c, blob, q, req).await,
        (Method::PUT, None, Some("blocklist")) => put_block_list(&c, blob, req).await,
        (Method::PUT, None, Some("metadata")) => set_metadata(&c, blob, &headers).await,
        _ => storage_error(
            StatusCode::BAD_REQUEST,
            "UnsupportedHttpVerb",
            "The emulator does not support this blob operation.",
        ),
    }
}

fn put_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

fn metadata_of(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_str().strip_prefix("x-ms-meta-")?;
            Some((key.to_string(), v.to_str().ok()?.to_string()))
        })
        .collect()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn if_none_match_star(headers: &HeaderMap) -> bool {
    header_str(headers, "if-none-match").is_some_and(|v| v.trim() == "*")
}

fn blob_headers(resp: &mut Response, meta: &BlobMeta) {
    put_header(resp, "etag", &meta.etag);
    put_header(resp, "last-modified", &http_date(meta.last_modified_ms));
    put_header(resp, "x-ms-creation-time", &http_date(meta.created_ms));
    put_header(resp, "x-ms-blob-type", "BlockBlob");
    put_header(resp, "x-ms-lease-state", "available");
    put_header(resp, "x-ms-lease-status", "unlocked");
    put_header(resp, "x-ms-server-encrypted", "true");
    put_header(resp, "accept-ranges", "bytes");
    put_header(
        resp,
        "content-type",
        meta.content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    for (k, v) in &meta.metadata {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(format!("x-ms-meta-{k}").as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
}

fn not_found() -> Response {
    storage_error(
        StatusCode::NOT_FOUND,
        "BlobNotFound",
        "The specified blob does not exist.",
    )
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::warn!("emulator storage: {e}");
    storage_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        "The server encountered an internal error. Please retry the request.",
    )
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(internal)
}

async fn properties(c: &Container, blob: &str, head: bool) -> Response {
    let (c2, name) = (c.clone(), blob.to_string());
    let meta = match blocking(move || c2.head(&name)).await {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return internal(e),
        Err(r) => return r,
    };
    let Some(meta) = meta else {
        if head {
            // HEAD: the error code in the header only, no body.
            let mut r = StatusCode::NOT_FOUND.into_response();
            put_header(&mut r, "x-ms-error-code", "BlobNotFound");
            return r;
        }
        return not_found();
    };
    let mut r = StatusCode::OK.into_response();
    blob_headers(&mut r, &meta);
    put_header(&mut r, "content-length", &meta.size.to_string());
    if let Some(md5) = &meta.md5 {
        put_header(&mut r, "content-md5", md5);
    }
    r
}

async fn get_blob(c: &Container, blob: &str, headers: &HeaderMap) -> Response {
    let (c2, name) = (c.clone(), blob.to_string());
    let meta = match blocking(move || c2.head(&name)).await {
        Ok(Ok(Some(m))) => m,
        Ok(Ok(None)) => return not_found(),
        Ok(Err(e)) => return internal(e),
        Err(r) => return r,
    };
    let Some(path) = c.data_path(&meta) else {
        return not_found();
    };
    let mut f = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return not_found(),
    };
    let len = meta.size;
    let range = header_str(headers, "x-ms-range").or_else(|| header_str(headers, "range"));
    let (status, start, end) = match super::history::parse_range(range, len) {
        super::history::RangeReq::Full => (StatusCode::OK, 0, len),
        super::history::RangeReq::Partial(a, b) => (StatusCode::PARTIAL_CONTENT, a, b + 1),
        super::history::RangeReq::Unsatisfiable => {
            let mut r = storage_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The range specified is invalid for the current size of the resource.",
            );
            put_header(&mut r, "content-range", &format!("bytes */{len}"));
            return r;
        }
    };
    if start > 0
        && let Err(e) = f.seek(std::io::SeekFrom::Start(start)).await
    {
        return internal(e);
    }
    let mut r = Response::new(super::history::stream_body(f, end - start));
    *r.status_mut() = status;
    blob_headers(&mut r, &meta);
    put_header(&mut r, "content-length", &(end - start).to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        put_header(
            &mut r,
            "content-range",
            &format!("bytes {start}-{}/{len}", end - 1),
        );
        if let Some(md5) = &meta.md5 {
            put_header(&mut r, "x-ms-blob-content-md5", md5);
        }
    } else if let Some(md5) = &meta.md5 {
        put_header(&mut r, "content-md5", md5);
    }
    r
}

fn write_error(e: WriteError) -> Response {
    match e {
        WriteError::TooLarge => storage_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            &format!(
                "The request body is too large and exceeds the maximum permissible limit ({} MiB).",
                MAX_REQUEST_BYTES / 1024 / 1024
            ),
        ),
        WriteError::Md5Mismatch => storage_error(
            StatusCode::BAD_REQUEST,
            "Md5Mismatch",
            "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
        ),
        WriteError::AlreadyExists => storage_error(
            StatusCode::CONFLICT,
            "BlobAlreadyExists",
            "The specified blob already exists.",
        ),
        WriteError::InvalidBlockList(m) => storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidBlockList",
            &format!("The specified block list is invalid: {m}."),
        ),
        WriteError::Body(m) => storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("The request body could not be read: {m}"),
        ),
        WriteError::Io(e) => internal(e),
    }
}

/// Refuses a declared `Content-Length` above the limit before reading anything.
fn too_large(headers: &HeaderMap) -> bool {
    header_str(headers, "content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_REQUEST_BYTES)
}

/// Checks `Content-MD5` (base64) against the body's digest.
fn md5_ok(headers: &HeaderMap, md5: &[u8; 16]) -> bool {
    match header_str(headers, "content-md5") {
        None => true,
        Some(v) => azure_core::base64::decode(v.trim()).is_ok_and(|d| d == md5),
    }
}

async fn stage(c: &Container, req: Request) -> Result<(HeaderMap, blobstore::Staged), Response> {
    let (parts, body) = req.into_parts();
    if too_large(&parts.headers) {
        return Err(write_error(WriteError::TooLarge));
    }
    let staged = c
        .stage_body(body, MAX_REQUEST_BYTES)
        .await
        .map_err(write_error)?;
    if !md5_ok(&parts.headers, &staged.md5) {
        return Err(write_error(WriteError::Md5Mismatch));
    }
    Ok((parts.headers, staged))
}

async fn put_blob(c: &Container, blob: &str, req: Request) -> Response {
    match header_str(req.headers(), "x-ms-blob-type") {
        None => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                "MissingRequiredHeader",
                "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.",
            );
        }
        Some(t) if t != "BlockBlob" => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                "InvalidHeaderValue",
                &format!(
                    "The value for x-ms-blob-type ({t}) is not supported: the emulator keeps block blobs only."
                ),
            );
        }
        Some(_) => {}
    }
    let if_none = if_none_match_star(req.headers());
    if if_none {
        let (c2, name) = (c.clone(), blob.to_string());
        if let Ok(Ok(Some(_))) = blocking(move || c2.head(&name)).await {
            return write_error(WriteError::AlreadyExists);
        }
    }
    let (headers, staged) = match stage(c, req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let md5 = azure_core::base64::encode(staged.md5);
    let meta = BlobMeta {
        md5: Some(
            header_str(&headers, "x-ms-blob-content-md5").map_or(md5.clone(), str::to_string),
        ),
        content_type: header_str(&headers, "x-ms-blob-content-type")
            .or_else(|| header_str(&headers, "content-type"))
            .map(str::to_string),
        metadata: metadata_of(&headers),
        ..BlobMeta::default()
    };
    let (c2, name) = (c.clone(), blob.to_string());
    match blocking(move || c2.commit(&name, staged, meta, if_none)).await {
        Ok(Ok(meta)) => {
            let mut r = StatusCode::CREATED.into_response();
            put_header(&mut r, "etag", &meta.etag);
            put_header(&mut r, "last-modified", &http_date(meta.last_modified_ms));
            put_header(&mut r, "content-md5", &md5);
            put_header(&mut r, "x-ms-request-server-encrypted", "true");
            r
        }
        Ok(Err(e)) => write_error(e),
        Err(r) => r,
    }
}

async fn put_block(
    c: &Container,
    blob: &str,
    q: &HashMap<String, String>,
    req: Request,
) -> Response {
    let id = qp(q, "blockid")
        .map(|b| b.replace(' ', "+"))
        .and_then(|b| azure_core::base64::decode(&b).ok().map(|raw| (b, raw)))
        .filter(|(_, raw)| !raw.is_empty() && raw.len() <= 64);
    let Some((_, raw)) = id else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid: blockid must be base64 of at most 64 bytes.",
        );
    };
    let (_, staged) = match stage(c, req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let md5 = azure_core::base64::encode(staged.md5);
    let (c2, name) = (c.clone(), blob.to_string());
    match blocking(move || c2.put_block(&name, &raw, staged)).await {
        Ok(Ok(())) => {
            let mut r = StatusCode::CREATED.into_response();
            put_header(&mut r, "content-md5", &md5);
            put_header(&mut r, "x-ms-request-server-encrypted", "true");
            r
        }
        Ok(Err(e)) => write_error(e),
        Err(r) => r,
    }
}

/// The entries of a `<BlockList>`: (`Latest`|`Committed`|`Uncommitted`, base64 id) in order.
pub fn parse_block_list(xml: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else {
            return Err("unterminated tag".into());
        };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        if let Some(kind) = ["Latest", "Committed", "Uncommitted"]
            .into_iter()
            .find(|k| *k == tag)
        {
            let end_tag = format!("</{kind}>");
            let Some(end) = rest.find(&end_tag) else {
                return Err(format!("<{kind}> is not closed"));
            };
            out.push((kind.to_string(), rest[..end].trim().to_string()));
            rest = &rest[end + end_tag.len()..];
        }
    }
    if !xml.contains("<BlockList") {
        return Err("the body is not a <BlockList>".into());
    }
    Ok(out)
}

async fn put_block_list(c: &Container, blob: &str, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let bytes = match axum::body::to_bytes(body, MAX_BLOCK_LIST_BYTES).await {
        Ok(b) => b,
        Err(_) => return write_error(WriteError::TooLarge),
    };
    let digest: [u8; 16] = md5::Md5::digest(&bytes).into();
    if !md5_ok(&headers, &digest) {
        return write_error(WriteError::Md5Mismatch);
    }
    let text = String::from_utf8_lossy(&bytes);
    let entries = match parse_block_list(&text) {
        Ok(e) => e,
        Err(m) => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                "InvalidXmlDocument",
                &format!("XML specified is not syntactically valid: {m}."),
            );
        }
    };
    let mut list = Vec::new();
    for (kind, b64) in entries {
        match azure_core::base64::decode(&b64) {
            Ok(raw) if !raw.is_empty() && raw.len() <= 64 => list.push((kind, raw, b64)),
            _ => {
                return write_error(WriteError::InvalidBlockList(format!(
                    "{b64:?} is not a valid block id"
                )));
            }
        }
    }
    let meta = BlobMeta {
        md5: header_str(&headers, "x-ms-blob-content-md5").map(str::to_string),
        content_type: header_str(&headers, "x-ms-blob-content-type").map(str::to_string),
        metadata: metadata_of(&headers),
        ..BlobMeta::default()
    };
    let if_none = if_none_match_star(&headers);
    let (c2, name) = (c.clone(), blob.to_string());
    match blocking(move || c2.put_block_list(&name, &list, meta, if_none)).await {
        Ok(Ok(meta)) => {
            let mut r = StatusCode::CREATED.into_response();
            put_header(&mut r, "etag", &meta.etag);
            put_header(&mut r, "last-modified", &http_date(meta.last_modified_ms));
            put_header(&mut r, "x-ms-request-server-encrypted", "true");
            r
        }
        Ok(Err(e)) => write_error(e),
        Err(r) => r,
    }
}

async fn set_metadata(c: &Container, blob: &str, headers: &HeaderMap) -> Response {
    let metadata = metadata_of(headers);
    let (c2, name) = (c.clone(), blob.to_string());
    match blocking(move || c2.set_metadata(&name, metadata)).await {
        Ok(Ok(Some(meta))) => {
            let mut r = StatusCode::OK.into_response();
            put_header(&mut r, "etag", &meta.etag);
            put_header(&mut r, "last-modified", &http_date(meta.last_modified_ms));
            put_header(&mut r, "x-ms-request-server-encrypted", "true");
            r
        }
        Ok(Ok(None)) => not_found(),
        Ok(Err(e)) => internal(e),
        Err(r) => r,
    }
}

fn list_blobs(
    sh: &Sh,
    c: &Container,
    account: &str,
    cont: &str,
    folder: &str,
    q: &HashMap<String, String>,
) -> Response {
    let prefix = qp(q, "prefix").unwrap_or("");
    let marker = qp(q, "marker").unwrap_or("");
    let delimiter = qp(q, "delimiter").filter(|d| !d.is_empty());
    let with_meta = qp(q, "include").is_some_and(|i| i.split(',').any(|x| x == "metadata"));
    let max = match qp(q, "maxresults").map(str::parse::<usize>) {
        None => 5000,
        Some(Ok(n)) if (1..=5000).contains(&n) => n,
        _ => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                "OutOfRangeQueryParameterValue",
                "maxresults must be from 1 to 5000.",
            );
        }
    };
    // A folder-scoped client sees names relative to the folder.
    let base = if folder.is_empty() {
        String::new()
    } else {
        format!("{}/", folder.trim_matches('/'))
    };
    let full_prefix = format!("{base}{prefix}");
    let blobs = match c.list(&full_prefix) {
        Ok(b) => b,
        Err(e) => return internal(e),
    };
    enum Item {
        Blob(BlobMeta, String),
        Prefix(String),
    }
    let mut items: Vec<Item> = Vec::new();
    for meta in blobs {
        let rel = meta.name[base.len()..].to_string();
        if let Some(d) = delimiter
            && let Some(pos) = rel[prefix.len()..].find(d)
        {
            let p = rel[..prefix.len() + pos + d.len()].to_string();
            if !matches!(items.last(), Some(Item::Prefix(last)) if *last == p) {
                items.push(Item::Prefix(p));
            }
            continue;
        }
        items.push(Item::Blob(meta, rel));
    }
    let name_of = |i: &Item| match i {
        Item::Blob(_, n) | Item::Prefix(n) => n.clone(),
    };
    let mut page: Vec<&Item> = items
        .iter()
        .filter(|i| marker.is_empty() || name_of(i).as_str() >= marker)
        .collect();
    let next = page.get(max).map(|i| name_of(i)).unwrap_or_default();
    page.truncate(max);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"{}\" ContainerName=\"{}\">",
        xml_escape(&sh.abs(&format!("storage/{account}/"))),
        xml_escape(cont)
    );
    xml.push_str(&format!("<Prefix>{}</Prefix>", xml_escape(prefix)));
    if !marker.is_empty() {
        xml.push_str(&format!("<Marker>{}</Marker>", xml_escape(marker)));
    }
    xml.push_str(&format!("<MaxResults>{max}</MaxResults>"));
    if let Some(d) = delimiter {
        xml.push_str(&format!("<Delimiter>{}</Delimiter>", xml_escape(d)));
    }
    xml.push_str("<Blobs>");
    for item in page {
        match item {
            Item::Prefix(p) => {
                xml.push_str(&format!(
                    "<BlobPrefix><Name>{}</Name></BlobPrefix>",
                    xml_escape(p)
                ));
            }
            Item::Blob(m, rel) => {
                xml.push_str(&format!(
                    "<Blob><Name>{}</Name><Properties><Creation-Time>{}</Creation-Time><Last-Modified>{}</Last-Modified><Etag>{}</Etag><Content-Length>{}</Content-Length><Content-Type>{}</Content-Type><Content-MD5>{}</Content-MD5><BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted></Properties>",
                    xml_escape(rel),
                    http_date(m.created_ms),
                    http_date(m.last_modified_ms),
                    xml_escape(&m.etag),
                    m.size,
                    xml_escape(m.content_type.as_deref().unwrap_or("application/octet-stream")),
                    xml_escape(m.md5.as_deref().unwrap_or("")),
                ));
                if with_meta {
                    xml.push_str("<Metadata>");
                    for (k, v) in &m.metadata {
                        xml.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
                    }
                    xml.push_str("</Metadata>");
                }
                xml.push_str("</Blob>");
            }
        }
    }
    xml.push_str("</Blobs>");
    if next.is_empty() {
        xml.push_str("<NextMarker />");
    } else {
        xml.push_str(&format!("<NextMarker>{}</NextMarker>", xml_escape(&next)));
    }
    xml.push_str("</EnumerationResults>");
    let mut r = (StatusCode::OK, xml).into_response();
    put_header(&mut r, "content-type", "application/xml");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_parse_in_order() {
        let xml = "<?xml version='1.0' encoding='utf-8'?>\n<BlockList><Latest>QQ==</Latest><Committed>Qg==</Committed><Uncommitted>Qw==</Uncommitted></BlockList>";
        assert_eq!(
            parse_block_list(xml).unwrap(),
            [
                ("Latest".to_string(), "QQ==".to_string()),
                ("Committed".to_string(), "Qg==".to_string()),
                ("Uncommitted".to_string(), "Qw==".to_string()),
            ]
        );
        assert!(parse_block_list("<BlockList><Latest>QQ==</BlockList>").is_err());
        assert!(parse_block_list("not xml").is_err());
    }

    #[test]
    fn blob_uris_resolve_only_inside_this_workspaces_storage() {
        let ws: Workspace = serde_json::from_value(serde_json::json!({"subscription": "s",
            "resource_group": "rg", "name": "ws", "location": "eastus",
            "workspace_id": "0a1b2c3d-0000-0000-0000-000000000000", "body": {"properties": {}},
            "computes": {}, "jobs": {}}))
        .unwrap();
        let (acct, cont) = (account_name(&ws), default_container(&ws));
        let ok = format!("http://127.0.0.1:1/storage/{acct}/{cont}/LocalUpload/g/src");
        assert_eq!(
            resolve_uri(&ws, &ok),
            Some((acct.clone(), cont.clone(), "LocalUpload/g/src".into()))
        );
        let ds = "azureml://datastores/workspaceblobstore/paths/LocalUpload/h/data/";
        assert_eq!(
            resolve_uri(&ws, ds),
            Some((acct.clone(), cont.clone(), "LocalUpload/h/data/".into()))
        );
        for escape in [
            // `%2F` is no dot-segment for the URL parser, but decodes to one.
            "http://127.0.0.1:1/storage/..%2F..%2Fx/c/p".to_string(),
            format!("http://127.0.0.1:1/storage/{acct}/..%2F../p"),
            format!("http://127.0.0.1:1/storage/{acct}/{cont}/a/..%2F..%2F..%2Ftoken"),
            "azureml://datastores/workspaceblobstore/paths/../../token".to_string(),
            // Another workspace's account.
            format!("http://127.0.0.1:1/storage/emuacctffffffff0000/{cont}/p"),
            format!("https://other.blob.core.windows.net/{cont}/p"),
        ] {
            assert_eq!(resolve_uri(&ws, &escape), None, "{escape}");
        }
    }

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b&\"c'"), "a&lt;b&amp;&quot;c&apos;");
    }
}
