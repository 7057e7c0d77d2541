//! Data-plane routes of the emulator: the open discovery document, run-history run details
//! (`/history/v1.0/.../runs/{id}/details`, bearer token required) whose `logFiles` map each log
//! of the run to a signed URL, and the blob-like route serving those files with HTTP Range
//! while they grow (one 206 answer carries at most [`MAX_RANGE_BYTES`]; a full 200 answer is
//! streamed, so no request makes the emulator hold a whole file in memory). Signatures are HMAC-SHA256 over the path and expiry with a key kept in the
//! data directory; a missing, wrong or expired signature is refused with 403 like Azure Storage.

use super::arm::workspace;
use super::http::{ApiError, ApiResult, Query, ct_eq, enc, json, query_param};
use super::model::{
    self, EMULATOR_OID, EMULATOR_USER, TENANT_ID, get, get_str, http_date, iso, now_ms, parse_iso,
    ws_id,
};
use super::shared::Sh;
use aws_lc_rs::hmac;
use axum::body::Body;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::path::{Component, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// How long a signed log URL stays valid.
const SAS_LIFETIME_MS: i64 = 60 * 60 * 1000;

/// The most bytes one 206 answer carries; a longer range gets its first `MAX_RANGE_BYTES` bytes
/// and a `Content-Range` saying so (as Azure Storage caps a ranged read).
pub const MAX_RANGE_BYTES: u64 = 4 * 1024 * 1024;

/// The size of the chunks a full (200) answer is streamed in.
const STREAM_CHUNK: usize = 64 * 1024;

pub async fn health() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain")],
        "ok\n",
    )
        .into_response()
}

pub async fn discovery(State(sh): State<Sh>) -> Response {
    let base = sh.base_str();
    json(
        StatusCode::OK,
        json!({
            "api": base,
            "catalog": base,
            "experimentation": base,
            "gallery": base,
            "history": base,
            "hyperdrive": base,
            "labeling": base,
            "modelmanagement": base,
            "pipelines": base,
            "studio": "https://ml.azure.com",
            "studiocoreservices": base,
        }),
    )
}

fn sign(sh: &Sh, path: &str, se: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, &sh.blob_key);
    let tag = hmac::sign(&key, format!("GET\n{path}\n{se}").as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed, expiring URL for a file of a run (`rel` like `user_logs/std_log_process_0.txt`).
pub fn signed_url(sh: &Sh, workspace_id: &str, run: &str, rel: &str, now: i64) -> String {
    let path = format!("/blob/{workspace_id}/ExperimentRun/dcid.{run}/{rel}");
    let se = iso(now + SAS_LIFETIME_MS);
    let st = iso(now - 5 * 60 * 1000);
    let sig = sign(sh, &path, &se);
    let mut url = sh.base.clone();
    if let Ok(mut segs) = url.path_segments_mut() {
        segs.pop_if_empty();
        segs.extend(path.trim_start_matches('/').split('/'));
    }
    format!(
        "{url}?sv=2021-08-06&sr=b&sp=r&st={}&se={}&sig={sig}",
        enc(&st),
        enc(&se)
    )
}

fn storage_error(status: StatusCode, code: &str, message: &str, detail: Option<&str>) -> Response {
    let extra = detail
        .map(|d| format!("<AuthenticationErrorDetail>{d}</AuthenticationErrorDetail>"))
        .unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nTime:{}</Message>{extra}</Error>",
        iso(now_ms())
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

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeReq {
    Full,
    Partial(u64, u64),
    Unsatisfiable,
}

/// Parses a single `bytes=` range; malformed or multi-range headers are ignored (full body).
pub fn parse_range(h: Option<&str>, len: u64) -> RangeReq {
    let Some(spec) = h.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeReq::Full;
    };
    if spec.contains(',') {
        return RangeReq::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeReq::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else {
            return RangeReq::Full;
        };
        if n == 0 || len == 0 {
            return RangeReq::Unsatisfiable;
        }
        return RangeReq::Partial(len.saturating_sub(n), len - 1);
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeReq::Full;
    };
    let end = if b.is_empty() {
        None
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => Some(e),
            _ => return RangeReq::Full,
        }
    };
    if start >= len {
        return RangeReq::Unsatisfiable;
    }
    RangeReq::Partial(start, end.map_or(len - 1, |e| e.min(len - 1)))
}

/// Maps `{workspaceId}/ExperimentRun/dcid.{run}/{rest}` to a file under the data directory.
fn blob_file(sh: &Sh, path: &str) -> Option<PathBuf> {
    let mut parts = path.splitn(4, '/');
    let wsid = parts.next()?;
    if parts.next()? != "ExperimentRun" {
        return None;
    }
    let run = parts.next()?.strip_prefix("dcid.")?;
    let rest = parts.next()?;
    model::validate_job_name(run).ok()?;
    if wsid.is_empty() || !wsid.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return None;
    }
    let rel = PathBuf::from(rest);
    if rest.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(sh.paths.run_dir(wsid, run).join(rel))
}

pub async fn blob(
    State(sh): State<Sh>,
    Path(path): Path<String>,
    Q(q): Q<Query>,
    headers: HeaderMap,
) -> Response {
    let full = format!("/blob/{path}");
    let (Some(sig), Some(se)) = (query_param(&q, "sig"), query_param(&q, "se")) else {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
            Some("The request carries no signature."),
        );
    };
    if !ct_eq(
        sign(&sh, &full, se).as_bytes(),
        sig.to_ascii_lowercase().as_bytes(),
    ) {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
            Some("Signature did not match."),
        );
    }
    if parse_iso(se).is_none_or(|expiry| expiry <= now_ms()) {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request.",
            Some("Signed expiry time has passed."),
        );
    }
    let Some(file) = blob_file(&sh, &path) else {
        return storage_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
            None,
        );
    };
    let mut f = match tokio::fs::File::open(&file).await {
        Ok(f) => f,
        Err(_) => {
            return storage_error(
                StatusCode::NOT_FOUND,
                "BlobNotFound",
                "The specified blob does not exist.",
                None,
            );
        }
    };
    let meta = match f.metadata().await {
        Ok(m) if m.is_file() => m,
        _ => {
            return storage_error(
                StatusCode::NOT_FOUND,
                "BlobNotFound",
                "The specified blob does not exist.",
                None,
            );
        }
    };
    let len = meta.len();
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let range = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        len,
    );
    let (status, start, end) = match range {
        RangeReq::Full => (StatusCode::OK, 0, len),
        RangeReq::Partial(a, b) => (
            StatusCode::PARTIAL_CONTENT,
            a,
            b.saturating_add(1).min(a.saturating_add(MAX_RANGE_BYTES)),
        ),
        RangeReq::Unsatisfiable => {
            let mut resp = storage_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The range specified is invalid for the current size of the resource.",
                None,
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return resp;
        }
    };
    let body = if status == StatusCode::OK {
        // The whole file, as long as it was when asked: streamed, never held in memory at once.
        stream_body(f, len)
    } else {
        // At most MAX_RANGE_BYTES, so the cast and the allocation are bounded.
        let mut buf = vec![0u8; end.saturating_sub(start) as usize];
        let read = async {
            f.seek(std::io::SeekFrom::Start(start)).await?;
            f.read_exact(&mut buf).await
        };
        if read.await.is_err() {
            return storage_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "The blob could not be read.",
                None,
            );
        }
        Body::from(buf)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    put("content-length", end.saturating_sub(start).to_string());
    put("content-type", "text/plain; charset=utf-8".to_string());
    put("accept-ranges", "bytes".to_string());
    put("etag", format!("\"0x{modified:X}{len:X}\""));
    put("last-modified", http_date(modified));
    put("x-ms-blob-type", "AppendBlob".to_string());
    put("x-ms-version", "2021-08-06".to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        put("content-range", format!("bytes {start}-{}/{len}", end - 1));
    }
    resp
}

/// The first `len` bytes of `f`, read in chunks as the client takes them. A file that shrank
/// meanwhile ends the body early, which the client sees as a broken response.
pub(crate) fn stream_body(f: tokio::fs::File, len: u64) -> Body {
    let reader = f.take(len);
    let chunks = futures::stream::unfold(Some(reader), |state| async move {
        let mut reader = state?;
        let mut buf = vec![0u8; STREAM_CHUNK];
        match reader.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), Some(reader)))
            }
            // One error ends the stream.
            Err(e) => Some((Err::<axum::body::Bytes, _>(e), None)),
        }
    });
    Body::from_stream(chunks)
}

/// `HH:MM:SS.fffffff`, the run-history duration format.
fn timespan(ms: i64) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}.{:07}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        (ms % 1000) * 10_000
    )
}

/// Lists the log files of a run directory (`user_logs/…`, `system_logs/…`), sorted.
fn log_names(dir: PathBuf) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, depth: usize, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() && depth < 3 {
                walk(root, &p, depth + 1, out);
            } else if ft.is_file()
                && let Ok(rel) = p.strip_prefix(root)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    for top in ["user_logs", "system_logs"] {
        walk(&dir, &dir.join(top), 0, &mut out);
    }
    out.sort();
    out
}

pub async fn run_details(
    State(sh): State<Sh>,
    Path((sub, rg, ws, run)): Path<(String, String, String, String)>,
) -> ApiResult {
    let now = now_ms();
    let (mut details, dir, wsid, name) = {
        let world = sh.lock();
        let w = workspace(&world, &sub, &rg, &ws)?;
        let j = w.jobs.get(&run.to_ascii_lowercase()).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "UserError",
                format!("Run {run} was not found."),
            )
        })?;
        let props = get(&j.body, &["properties"]).cloned().unwrap_or(json!({}));
        let compute = j.compute.as_ref().and_then(|c| w.computes.get(c));
        let target = compute
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| "serverless".to_string());
        let target_type = compute
            .map(|c| c.compute_type().to_string())
            .unwrap_or_else(|| "Serverless".to_string());
        let vm_size = compute.and_then(|c| c.vm_size()).map(str::to_string);
        let gpus = vm_size
            .as_deref()
            .and_then(super::catalog::find_size)
            .map(|s| s.gpus)
            .unwrap_or(0);
        let created_by = json!({"userObjectId": EMULATOR_OID, "userTenantId": TENANT_ID, "userName": EMULATOR_USER, "upn": EMULATOR_USER});
        let error = j.error.as_ref().filter(|_| j.status == "Failed").map(|e| {
            json!({
                "error": {
                    "code": e.code,
                    "severity": null,
                    "message": e.message,
                    "messageFormat": null,
                    "messageParameters": {},
                    "referenceCode": null,
                    "detailsUri": null,
                    "target": e.target,
                    "details": [],
                    "innerError": null,
                    "additionalInfo": null,
                },
                "correlation": {"operation": null, "request": j.run_uuid},
                "environment": "amlc-emulator",
                "location": w.location,
                "time": j.end_ms.map(iso),
                "componentName": "CommonRuntime",
            })
        });
        let warnings: Vec<Value> = j
            .warnings
            .iter()
            .map(|m| json!({"source": "amlc-emulator", "message": m}))
            .collect();
        let duration = j.start_ms.map(|s| timespan(j.end_ms.unwrap_or(now) - s));
        let experiment = format!(
            "{}/{}",
            ws_id(&sub, &rg, &ws).to_ascii_lowercase(),
            get_str(&props, &["experimentName"]).unwrap_or("Default")
        );
        let experiment_id = uuid::Uuid::from_u64_pair(
            model::stable_hash(&experiment),
            model::stable_hash(&format!("{experiment}#")),
        )
        .to_string();
        let mut details = json!({
            "runId": j.name,
            "runUuid": j.run_uuid,
            "parentRunUuid": null,
            "rootRunUuid": j.run_uuid,
            "rootRunId": j.name,
            "target": target,
            "status": j.status,
            "parentRunId": null,
            "displayName": props.get("displayName").cloned().unwrap_or(Value::Null),
            "experimentId": experiment_id,
            "createdTimeUtc": iso(j.created_ms),
            "startTimeUtc": j.start_ms.map(iso),
            "endTimeUtc": j.end_ms.map(iso),
            "effectiveStartTimeUtc": j.start_ms.map(iso),
            "lastStartTimeUtc": j.start_ms.map(iso),
            "lastModifiedUtc": iso(j.end_ms.or(j.start_ms).unwrap_or(j.created_ms)),
            "error": error,
            "warnings": warnings,
        });
        let more = json!({
            "tags": props.get("tags").cloned().unwrap_or(json!({})),
            "properties": props.get("properties").cloned().unwrap_or(json!({})),
            "parameters": {},
            "services": {},
            "inputDatasets": [],
            "outputDatasets": [],
            "runDefinition": {
                "command": props.get("command").cloned().unwrap_or(Value::Null),
                "target": target,
                "nodeCount": j.instance_count,
                "environmentVariables": props.get("environmentVariables").cloned().unwrap_or(json!({})),
            },
            "jobCost": null,
            "revision": j.run_number,
            "runTypeV2": {"orchestrator": null, "traits": [], "attribution": "CommonRuntime", "computeType": target_type},
            "settings": {},
            "computeRequest": {"nodeCount": j.instance_count, "gpuCount": gpus * j.instance_count},
            "compute": {
                "target": target,
                "targetType": target_type,
                "vmSize": vm_size,
                "instanceCount": j.instance_count,
                "gpuCount": gpus,
                "priority": null,
                "region": w.location,
            },
            "createdBy": created_by,
            "lastModifiedBy": created_by,
            "userId": EMULATOR_OID,
            "computeDuration": duration,
            "duration": duration,
            "currentComputeTime": duration,
            "runNumber": j.run_number,
            "statusRevision": j.run_number,
            "hasVirtualParent": false,
            "inputs": {},
            "outputs": {},
        });
        if let (Some(d), Some(m)) = (details.as_object_mut(), more.as_object()) {
            for (k, v) in m {
                d.insert(k.clone(), v.clone());
            }
        }
        (
            details,
            sh.paths.run_dir(&w.workspace_id, &j.name),
            w.workspace_id.clone(),
            j.name.clone(),
        )
    };
    let names = tokio::task::spawn_blocking(move || log_names(dir))
        .await
        .unwrap_or_default();
    let mut logs = serde_json::Map::new();
    for n in names {
        let url = signed_url(&sh, &wsid, &name, &n, now);
        logs.insert(n, json!(url));
    }
    details["logFiles"] = Value::Object(logs);
    Ok(json(StatusCode::OK, details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), RangeReq::Full);
        assert_eq!(parse_range(Some("bytes=0-3"), 10), RangeReq::Partial(0, 3));
        assert_eq!(parse_range(Some("bytes=5-"), 10), RangeReq::Partial(5, 9));
        assert_eq!(
            parse_range(Some("bytes=5-100"), 10),
            RangeReq::Partial(5, 9)
        );
        assert_eq!(parse_range(Some("bytes=-4"), 10), RangeReq::Partial(6, 9));
        assert_eq!(parse_range(Some("bytes=10-"), 10), RangeReq::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), RangeReq::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=4-2"), 10), RangeReq::Full);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), RangeReq::Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), RangeReq::Full);
    }

    #[test]
    fn timespans() {
        assert_eq!(timespan(3_723_450), "01:02:03.4500000");
    }
}
