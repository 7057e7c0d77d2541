//! The HTTP pipeline every Azure ML call goes through: bearer token, per-request timeout, retries
//! with exponential backoff and jitter that honour `Retry-After`, a client request id and user
//! agent, a refusal to send tokens over plain http except to loopback, proxies from the
//! environment, extra CA certificates, and decoding of non-2xx bodies into `AzureError::Api`.
//!
//! Retries follow the method and the failure ([`retry_reason`]): idempotent requests (GET, HEAD,
//! PUT, DELETE) on 408/429/5xx, timeouts and broken connections; POST and PATCH only when the
//! service surely did not act (429, or a failure while connecting, before anything was sent).
//! Never on auth failures, DNS failures, untrusted certificates or a refused connection to a
//! loopback address (a local emulator that is not running: fail at once). Retries are counted
//! and the last few kept ([`Pipeline::stats`], [`Pipeline::retry_events_since`]) so the UI can show
//! them; a logical request counts as in flight while it waits between attempts too.
//! It knows nothing about compute or jobs; `client.rs` and the operation modules build on it.

use super::error::{
    ApiError, AzureError, ErrorDetail, ErrorResponse, Result, TransportFailure, redact_url,
    shown_target,
};
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// The user agent amlc sends: `amlc/<version>`.
pub const USER_AGENT: &str = concat!("amlc/", env!("CARGO_PKG_VERSION"));

/// Something that can hand out a bearer token for ARM (and the run-history data plane, which
/// takes the same scope). Implementations cache; the pipeline asks before every attempt.
#[async_trait]
pub trait BearerSource: Send + Sync {
    async fn bearer(&self) -> Result<String>;
}

/// A fixed bearer token (an emulator's token, tests).
pub struct StaticBearer(String);

impl StaticBearer {
    pub fn new(token: impl Into<String>) -> Self {
        StaticBearer(token.into())
    }
}

impl std::fmt::Debug for StaticBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticBearer(***)")
    }
}

#[async_trait]
impl BearerSource for StaticBearer {
    async fn bearer(&self) -> Result<String> {
        Ok(self.0.clone())
    }
}

/// How hard to try before giving up on a request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles with each further retry.
    pub base_delay: Duration,
    /// Cap of the exponential delay.
    pub max_delay: Duration,
    /// Cap of a server-sent `Retry-After` (a server asking for an hour is not obeyed blindly).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with ±25 % jitter for retry number `retry` (0 = first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)));
        let capped = exp.min(self.max_delay);
        let jitter = 0.75 + fastrand::f64() * 0.5;
        capped.mul_f64(jitter)
    }
}

/// Settings of a pipeline.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Timeout of one attempt, connection to last body byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// PEM files of extra certificate authorities to trust (`--ca-cert`, `SSL_CERT_FILE`).
    pub ca_certs: Vec<PathBuf>,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            ca_certs: Vec::new(),
        }
    }
}

/// Whether a request carries the bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Bearer,
    /// Open routes: the discovery document, signed (SAS) blob URLs.
    None,
}

/// A body that is not JSON: a blob's bytes (Put Blob, Put Block) or a block list's XML, with
/// its content type (`None`: no `Content-Type` header). Cheap to clone, so retries resend it.
#[derive(Clone)]
pub struct RawBody {
    pub data: bytes::Bytes,
    pub content_type: Option<String>,
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bytes: a file of the user's may hold anything.
        f.debug_struct("RawBody")
            .field("len", &self.data.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// One logical request (retries resend it unchanged). Its `Debug` shows the URL without a
/// signature, header names only and no body: a SAS, a SharedKey or a secret in a body never
/// reaches a log through it.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Option<serde_json::Value>,
    /// Raw bytes sent instead of `body` (blob uploads); `Content-Length` is always sent, `0`
    /// for an empty one.
    pub raw: Option<RawBody>,
    pub headers: Vec<(&'static str, String)>,
    pub auth: Auth,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &super::error::redact_url(&self.url))
            .field("json_body", &self.body.is_some())
            .field("raw", &self.raw)
            .field("headers", &headers)
            .field("auth", &self.auth)
            .finish()
    }
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            body: None,
            raw: None,
            headers: Vec::new(),
            auth: Auth::Bearer,
        }
    }

    pub fn get(url: Url) -> Self {
        Request::new(Method::GET, url)
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self.raw = None;
        self
    }

    /// Sends `data` as the body, with `content_type` when given (a blob's bytes, block list
    /// XML). An empty `data` sends `Content-Length: 0` (Set Blob Metadata needs it).
    pub fn bytes(mut self, data: impl Into<bytes::Bytes>, content_type: Option<&str>) -> Self {
        self.raw = Some(RawBody {
            data: data.into(),
            content_type: content_type.map(str::to_owned),
        });
        self.body = None;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn without_auth(mut self) -> Self {
        self.auth = Auth::None;
        self
    }
}

/// A received response, body read in full. Its `Debug` shows the URL without a signature, the
/// status and the body's length only.
#[derive(Clone)]
pub struct Response {
    pub method: Method,
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("url", &super::error::redact_url(&self.url))
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decodes the body as JSON; a malformed body is a clear `Decode` error, never a panic.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| AzureError::Decode {
            method: self.method.to_string(),
            url: redact_url(&self.url),
            message: decode_message(&e, &self.body),
        })
    }

    /// The body as JSON when there is one (an empty body is `None`).
    pub fn json_opt(&self) -> Result<Option<serde_json::Value>> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            Ok(None)
        } else {
            self.json().map(Some)
        }
    }

    /// The server's wish for how long to wait (`retry-after-ms`, `x-ms-retry-after-ms`, or
    /// `Retry-After` in seconds or as an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after(&self.headers)
    }

    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }

    /// The typed error for a non-2xx response.
    pub fn to_error(&self) -> AzureError {
        api_error(
            &self.method,
            &self.url,
            self.status,
            &self.headers,
            &self.body,
        )
    }
}

/// A decode error, with the start of the body when it is not JSON at all (an HTML error page
/// from a proxy, say). A JSON body is never quoted: a truncated `listKeys` answer holds secrets.
fn decode_message(e: &serde_json::Error, body: &[u8]) -> String {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => format!("{e} (empty body)"),
        Some(b'{') | Some(b'[') => e.to_string(),
        Some(_) => format!("{e} (body starts {:?})", body_preview(body)),
    }
}

fn body_preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(80)]);
    text.chars().filter(|c| !c.is_control()).collect()
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    [
        "x-ms-request-id",
        "x-ms-correlation-request-id",
        "x-ms-client-request-id",
    ]
    .iter()
    .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
    .map(str::to_string)
}

/// Reads `retry-after-ms`, `x-ms-retry-after-ms`, then `Retry-After` (seconds or HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
        {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

/// Builds the typed error of a non-2xx answer, reading Azure's `{"error":{...}}` when present.
pub fn api_error(
    method: &Method,
    url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> AzureError {
    let error = serde_json::from_slice::<ErrorResponse>(body)
        .ok()
        .map(|r| r.error)
        .filter(|e| !e.code.is_empty() || !e.message.is_empty())
        .or_else(|| {
            // Some endpoints answer with a bare ErrorDetail, or with {"code","message"} at the top.
            serde_json::from_slice::<ErrorDetail>(body)
                .ok()
                .filter(|e| !e.code.is_empty() || !e.message.is_empty())
        })
        .unwrap_or_else(|| ErrorDetail {
            code: status
                .canonical_reason()
                .unwrap_or("HttpError")
                .replace(' ', ""),
            message: {
                let text = body_preview(body);
                if text.is_empty() {
                    format!("the service answered {status} with no error body")
                } else {
                    text
                }
            },
            ..ErrorDetail::default()
        });
    AzureError::Api(Box::new(ApiError {
        status: status.as_u16(),
        method: method.to_string(),
        url: redact_url(url),
        error,
        request_id: request_id(headers),
    }))
}

/// Methods the service may receive twice without harm.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Why another attempt of `request` may succeed after `outcome`, or `None` when it must not be
/// retried (see the module header for the policy).
pub fn retry_reason(
    request_method: &Method,
    request_url: &Url,
    outcome: &Result<Response>,
) -> Option<String> {
    let idempotent = is_idempotent(request_method);
    match outcome {
        Ok(resp) => {
            let code = resp.status.as_u16();
            let retryable = match code {
                429 => true,
                408 | 500 | 502 | 503 | 504 => idempotent,
                _ => false,
            };
            retryable.then(|| {
                format!("{} {}", code, resp.status.canonical_reason().unwrap_or(""))
                    .trim_end()
                    .to_owned()
            })
        }
        Err(AzureError::Transport {
            failure,
            sent,
            message,
            ..
        }) => {
            let retryable = match failure {
                TransportFailure::Dns | TransportFailure::Certificate => false,
                TransportFailure::Refused => !is_loopback(request_url),
                TransportFailure::Reset | TransportFailure::Other => idempotent || !sent,
            };
            retryable.then(|| message.clone())
        }
        Err(AzureError::Timeout { after, .. }) if idempotent => {
            Some(format!("timed out after {}s", after.as_secs_f32()))
        }
        Err(_) => None,
    }
}
/// True for loopback hosts, where a bearer over plain http is acceptable (a local emulator).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The shared pipeline; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<PipelineInner>,
}

struct PipelineInner {
    client: reqwest::Client,
    bearer: Option<Arc<dyn BearerSource>>,
    options: PipelineOptions,
    stats: Stats,
}

/// Retry events kept for the UI.
const RETRY_EVENTS: usize = 16;

/// One retry: when, why, and of which request (method, host and path; never the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryEvent {
    /// Increasing number of the event since the pipeline was built (1 for the first).
    pub seq: u64,
    /// Wall clock, ms since the epoch.
    pub wall_ms: i64,
    /// The failure that made the pipeline try again (`429 Too Many Requests`, `Connection reset`).
    pub reason: String,
    /// `GET host /path`.
    pub request: String,
    /// The answer was a 429.
    pub throttled: bool,
}

/// A copy of the pipeline's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Logical requests not finished yet (waiting between attempts included).
    pub in_flight: usize,
    /// Attempts repeated since start.
    pub retries: u64,
    /// 429 answers received since start.
    pub throttled: u64,
}

/// Counters for the status bar and `doctor`.
#[derive(Default)]
struct Stats {
    in_flight: AtomicUsize,
    retries: AtomicU64,
    throttled: AtomicU64,
    events: Mutex<VecDeque<RetryEvent>>,
}

impl Stats {
    fn record(&self, reason: String, request: String, throttled: bool) {
        let seq = self.retries.fetch_add(1, Ordering::Relaxed) + 1;
        let wall_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let Ok(mut events) = self.events.lock() else {
            return;
        };
        events.push_back(RetryEvent {
            seq,
            wall_ms,
            reason,
            request,
            throttled,
        });
        while events.len() > RETRY_EVENTS {
            events.pop_front();
        }
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Builds the HTTP client (rustls, proxies from `HTTPS_PROXY`/`NO_PROXY`, extra CAs).
    pub fn new(bearer: Option<Arc<dyn BearerSource>>, options: PipelineOptions) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout);
        let mut extra = Vec::new();
        for path in &options.ca_certs {
            let pem = std::fs::read(path).map_err(|e| {
                AzureError::Invalid(format!(
                    "cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                AzureError::Invalid(format!(
                    "{} is not a PEM certificate bundle: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(AzureError::Invalid(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
            extra.extend(certs);
        }
        if !extra.is_empty() {
            builder = builder.tls_certs_merge(extra);
        }
        let client = builder
            .build()
            .map_err(|e| AzureError::Invalid(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Pipeline {
            inner: Arc::new(PipelineInner {
                client,
                bearer,
                options,
                stats: Stats::default(),
            }),
        })
    }

    pub fn options(&self) -> &PipelineOptions {
        &self.inner.options
    }

    /// Logical requests not finished (for the status bar): one that waits to retry counts.
    pub fn in_flight(&self) -> usize {
        self.inner.stats.in_flight.load(Ordering::Relaxed)
    }

    /// Retries made since start.
    pub fn retries(&self) -> u64 {
        self.inner.stats.retries.load(Ordering::Relaxed)
    }

    /// The counters at once.
    pub fn stats(&self) -> PipelineStats {
        let stats = &self.inner.stats;
        PipelineStats {
            in_flight: stats.in_flight.load(Ordering::Relaxed),
            retries: stats.retries.load(Ordering::Relaxed),
            throttled: stats.throttled.load(Ordering::Relaxed),
        }
    }

    /// The kept retry events numbered above `seq`, oldest first (at most the last 16).
    pub fn retry_events_since(&self, seq: u64) -> Vec<RetryEvent> {
        match self.inner.stats.events.lock() {
            Ok(events) => events.iter().filter(|e| e.seq > seq).cloned().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Sends with retries; a non-2xx final answer becomes `AzureError::Api`.
    pub async fn send(&self, request: Request) -> Result<Response> {
        let response = self.send_raw(request).await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(response.to_error())
        }
    }

    /// Sends and decodes a JSON body.
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        self.send(request).await?.json()
    }

    /// Sends with retries and returns whatever status the last attempt got (callers that give
    /// meaning to 404 or 416 use this).
    pub async fn send_raw(&self, request: Request) -> Result<Response> {
        let policy = &self.inner.options.retry;
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let stats = &self.inner.stats;
        let _guard = InFlight::new(stats);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&request, &client_request_id).await;
            let throttled = matches!(&outcome, Ok(r) if r.status == StatusCode::TOO_MANY_REQUESTS);
            if throttled {
                stats.throttled.fetch_add(1, Ordering::Relaxed);
            }
            let last = attempt >= policy.max_attempts.max(1);
            let Some(reason) = retry_reason(&request.method, &request.url, &outcome) else {
                return outcome;
            };
            if last {
                return outcome;
            }
            let wait = match &outcome {
                Ok(resp) => resp
                    .retry_after()
                    .map(|d| d.min(policy.max_retry_after))
                    .unwrap_or_else(|| policy.backoff(attempt - 1)),
                Err(_) => policy.backoff(attempt - 1),
            };
            let shown = format!(
                "{} {}",
                request.method,
                shown_target(&redact_url(&request.url))
            );
            tracing::debug!(
                request = %shown,
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason = %reason,
                "retrying"
            );
            stats.record(reason, shown, throttled);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, request: &Request, client_request_id: &str) -> Result<Response> {
        let method_text = request.method.to_string();
        let shown_url = redact_url(&request.url);
        let mut builder = self
            .inner
            .client
            .request(request.method.clone(), request.url.clone())
            .header("accept", "application/json");
        // A request that carries its own id keeps it (a SharedKey signature covers it).
        if !request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("x-ms-client-request-id"))
        {
            builder = builder.header("x-ms-client-request-id", client_request_id);
        }
        if request.auth == Auth::Bearer {
            if request.url.scheme() != "https" && !is_loopback(&request.url) {
                return Err(AzureError::InsecureTransport {
                    host: request.url.host_str().unwrap_or("?").to_string(),
                });
            }
            if let Some(source) = &self.inner.bearer {
                let token = source.bearer().await?;
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        AzureError::Auth(
                            "the access token holds characters not allowed in a header".into(),
                        )
                    })?;
                value.set_sensitive(true);
                builder = builder.header("authorization", value);
            }
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        } else if let Some(raw) = &request.raw {
            if let Some(ct) = &raw.content_type {
                builder = builder.header("content-type", ct.as_str());
            }
            builder = builder
                .header("content-length", raw.data.len().to_string())
                .body(raw.data.clone());
        }
        let started = std::time::Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|e| self.transport_error(e, &method_text, &shown_url))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e, &method_text, &shown_url))?;
        tracing::debug!(
            method = %method_text,
            url = %shown_url,
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "http"
        );
        Ok(Response {
            method: request.method.clone(),
            url: request.url.clone(),
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, e: reqwest::Error, method: &str, url: &str) -> AzureError {
        if e.is_timeout() && e.is_connect() {
            // Nothing was sent: a network failure that even a POST may retry.
            return AzureError::Transport {
                method: method.into(),
                url: url.into(),
                message: format!(
                    "no connection within {} s",
                    self.inner.options.connect_timeout.as_secs_f32()
                ),
                failure: TransportFailure::Other,
                sent: false,
            };
        }
        if e.is_timeout() {
            return AzureError::Timeout {
                method: method.into(),
                url: url.into(),
                after: self.inner.options.timeout,
            };
        }
        let (failure, message) = classify_transport(&e);
        AzureError::Transport {
            method: method.into(),
            url: url.into(),
            message,
            failure,
            sent: !e.is_connect(),
        }
    }

    /// Follows `nextLink` from `first` (GET) until it is absent; see [`Pipeline::walk_pages`].
    pub async fn collect_pages<T>(
        &self,
        first: Url,
        api_version: &str,
        items: impl FnMut(serde_json::Value) -> Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        self.walk_pages(Method::GET, first, api_version, None, items)
            .await
    }

    /// Requests `first` with `method`, then follows `nextLink` until it is absent or `limit`
    /// items were collected, taking the items out of each page with `items`. A `nextLink` that
    /// repeats an earlier one ends the walk, and more than [`MAX_PAGES`] pages is an error: a
    /// server bug must not make a command loop forever.
    pub async fn walk_pages<T>(
        &self,
        method: Method,
        first: Url,
        api_version: &str,
        limit: Option<usize>,
        mut items: impl FnMut(serde_json::Value) -> Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        let limit = limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if !seen.insert(url.to_string()) {
                tracing::warn!(url = %redact_url(&url), "nextLink repeats; stopping");
                break;
            }
            if seen.len() > MAX_PAGES {
                return Err(AzureError::Decode {
                    method: method.to_string(),
                    url: redact_url(&url),
                    message: format!("the service kept sending nextLinks past {MAX_PAGES} pages"),
                });
            }
            let page: serde_json::Value = self
                .send_json(Request::new(method.clone(), url.clone()))
                .await?;
            next = next_link(&page, &url, api_version)?;
            out.extend(items(page)?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

/// The most pages one list follows (at ARM's usual page sizes, far beyond any workspace).
pub const MAX_PAGES: usize = 2000;

/// The absolute URL of the next page, if the page has one. A relative link is resolved against the
/// page's URL; a link without `api-version` gets ours (as the Azure SDKs do).
pub fn next_link(
    page: &serde_json::Value,
    page_url: &Url,
    api_version: &str,
) -> Result<Option<Url>> {
    let Some(link) = page
        .get("nextLink")
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
    else {
        return Ok(None);
    };
    let mut url = page_url.join(link.trim()).map_err(|e| AzureError::Decode {
        method: "GET".into(),
        url: redact_url(page_url),
        message: format!("invalid nextLink: {e}"),
    })?;
    if !url.query_pairs().any(|(k, _)| k == "api-version") {
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
    }
    Ok(Some(url))
}

/// What broke, and a one-line cause that reads first in the error: `Connection refused`,
/// `DNS lookup failed for HOST: …`, `Connection reset`, or the innermost message of the chain.
/// reqwest's own Display includes the URL with its query, so only the sources are read.
fn classify_transport(e: &reqwest::Error) -> (TransportFailure, String) {
    let mut chain: Vec<String> = Vec::new();
    let mut io_kind = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        chain.push(s.to_string());
        source = s.source();
    }
    let all = chain.join(": ").to_ascii_lowercase();
    let innermost = chain.last().cloned().unwrap_or_else(|| {
        if e.is_connect() {
            "could not connect".into()
        } else if e.is_body() || e.is_decode() {
            "the connection broke while reading the response".into()
        } else {
            "request failed".into()
        }
    });
    let innermost = super::error::one_line(&innermost);
    use std::io::ErrorKind as Io;
    if io_kind == Some(Io::ConnectionRefused) || all.contains("connection refused") {
        return (TransportFailure::Refused, "Connection refused".into());
    }
    if all.contains("dns error") || all.contains("failed to lookup address") {
        let host = e.url().and_then(|u| u.host_str()).unwrap_or("?").to_owned();
        return (
            TransportFailure::Dns,
            format!("DNS lookup failed for {host}: {innermost}"),
        );
    }
    if all.contains("certificate") {
        return (
            TransportFailure::Certificate,
            format!(
                "{innermost} (the server's certificate is not trusted: trust its CA with --ca-cert PATH or SSL_CERT_FILE)"
            ),
        );
    }
    if matches!(
        io_kind,
        Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof)
    ) || all.contains("connection reset")
        || all.contains("connection closed")
        || all.contains("incomplete message")
    {
        let cause = if innermost.to_ascii_lowercase().contains("reset") {
            "Connection reset".to_owned()
        } else {
            format!("Connection closed early: {innermost}")
        };
        return (TransportFailure::Reset, cause);
    }
    (TransportFailure::Other, capitalize(&innermost))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Counts a logical request from its first attempt to its final outcome.
struct InFlight<'a>(&'a Stats);

impl<'a> InFlight<'a> {
    fn new(stats: &'a Stats) -> Self {
        stats.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(stats)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_requests_and_responses_shows_no_secret() {
        let url: Url = "https://acct.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG"
            .parse()
            .unwrap();
        let req = Request::new(Method::PUT, url.clone())
            .header("authorization", "SharedKey acct:SECRETKEY")
            .json(serde_json::json!({"password": "SECRETBODY"}));
        let shown = format!("{req:?}");
        for secret in ["SECRETSIG", "SECRETKEY", "SECRETBODY"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("acct.blob.core.windows.net/c/b") && shown.contains("authorization")
        );
        let resp = Response {
            method: Method::GET,
            url,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from_static(b"SECRETBODY"),
        };
        let shown = format!("{resp:?}");
        assert!(
            !shown.contains("SECRETSIG") && !shown.contains("SECRETBODY"),
            "{shown}"
        );
    }

    #[test]
    fn retry_after_variants() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        let first = p.backoff(0);
        assert!(first >= Duration::from_millis(75) && first <= Duration::from_millis(125));
        let third = p.backoff(2);
        assert!(third >= Duration::from_millis(300) && third <= Duration::from_millis(500));
        assert!(p.backoff(30) <= Duration::from_millis(1250));
    }

    #[test]
    fn loopback_detection() {
        for (u, want) in [
            ("http://127.0.0.1:8080/", true),
            ("http://127.9.9.9/", true),
            ("http://localhost/", true),
            ("http://[::1]:1/", true),
            ("http://10.0.0.1/", false),
            ("http://management.azure.com/", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(u).unwrap()), want, "{u}");
        }
    }

    #[test]
    fn next_link_resolution() {
        let base = Url::parse("https://h/subscriptions/s/x?api-version=1").unwrap();
        let page = serde_json::json!({"value": [], "nextLink": "https://h/next?$skip=abc"});
        let next = next_link(&page, &base, "2025-12-01").unwrap().unwrap();
        assert_eq!(
            next.as_str(),
            "https://h/next?$skip=abc&api-version=2025-12-01"
        );
        let page = serde_json::json!({"value": [], "nextLink": null});
        assert!(next_link(&page, &base, "v").unwrap().is_none());
    }

    #[test]
    fn non_azure_error_body_still_reads_well() {
        let url = Url::parse("https://h/p?sig=secret").unwrap();
        let err = api_error(
            &Method::GET,
            &url,
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad gateway</html>",
        );
        let text = err.to_string();
        assert!(
            text.starts_with("502 Bad Gateway: <html>bad gateway</html> — GET h /p"),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
    }

    fn one_attempt() -> Pipeline {
        Pipeline::new(
            None,
            PipelineOptions {
                retry: RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                },
                ..PipelineOptions::default()
            },
        )
        .unwrap()
    }

    #[tokio::test]
    async fn sas_query_never_in_transport_errors() {
        // A port nothing listens on: refused at once.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = Url::parse(&format!(
            "http://127.0.0.1:{port}/c/LocalUpload/x/src/a.py?sv=1&sp=racwl&sig=SECRETSIG"
        ))
        .unwrap();
        let err = one_attempt()
            .send(
                Request::new(Method::PUT, url)
                    .bytes(&b"x"[..], Some("application/octet-stream"))
                    .without_auth(),
            )
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRETSIG"), "{text}");
        assert!(!text.contains("sig="), "{text}");
        assert!(text.contains("/c/LocalUpload/x/src/a.py"), "{text}");
    }

    #[tokio::test]
    async fn raw_bodies_are_sent_with_their_type_and_length() {
        use axum::{Router, body::Bytes as AxBytes, http::HeaderMap as AxHeaders, routing::put};
        let app = Router::new().route(
            "/{*rest}",
            put(|headers: AxHeaders, body: AxBytes| async move {
                let get = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                        .to_string()
                };
                format!(
                    "{}|{}|{}|{}|{}",
                    get("content-type"),
                    get("content-length"),
                    get("authorization"),
                    String::from_utf8_lossy(&body),
                    headers
                        .get_all("x-ms-client-request-id")
                        .iter()
                        .map(|v| v.len().to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let pipeline = Pipeline::new(
            Some(Arc::new(StaticBearer::new("TOKEN"))),
            PipelineOptions::default(),
        )
        .unwrap();
        let url = Url::parse(&format!("http://{addr}/c/blob?sig=S")).unwrap();
        let r = pipeline
            .send(
                Request::new(Method::PUT, url.clone())
                    .bytes(&b"hello"[..], Some("application/xml"))
                    .without_auth(),
            )
            .await
            .unwrap();
        // A generated client request id (a UUID, 36 characters).
        assert_eq!(&r.body[..], b"application/xml|5|-|hello|36");
        let r = pipeline
            .send(
                Request::new(Method::PUT, url)
                    .bytes(bytes::Bytes::new(), None)
                    .header("x-ms-client-request-id", "mine")
                    .without_auth(),
            )
            .await
            .unwrap();
        // The request's own id is kept (one header, not two).
        assert_eq!(&r.body[..], b"-|0|-||4");
        server.abort();
    }
}
