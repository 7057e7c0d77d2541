//! Typed errors of the Azure ML client. Every failure the client can meet (an ARM error body, a
//! transport failure, a timeout, an undecodable body, a failed long-running operation, missing
//! credentials) becomes one `AzureError` whose `Display` reads well on one line, the cause first
//! and then the request (`Connection refused — GET 127.0.0.1:1 /subscriptions/…`), so a narrow
//! title still shows why. [`AzureError::kind`] classifies it (auth, forbidden, not found,
//! conflict, throttled, timeout, network, service, invalid) and [`AzureError::hint`] says what to
//! do. No secret ever reaches these messages: request URLs are shown without their query strings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

pub type Result<T, E = AzureError> = std::result::Result<T, E>;

/// One error in Azure's common `ErrorResponse` shape (`{"error": {...}}` holds one of these).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub details: Vec<ErrorDetail>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub additional_info: Vec<serde_json::Value>,
}

/// `{"error": ErrorDetail}`, the body of any non-2xx ARM response and of `provisioningErrors[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(default)]
    pub error: ErrorDetail,
}

fn null_as_empty<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{}: {}", self.code, one_line(&self.message))?,
            (false, true) => write!(f, "{}", self.code)?,
            (true, false) => write!(f, "{}", one_line(&self.message))?,
            (true, true) => write!(f, "(no error code or message)")?,
        }
        if let Some(target) = self.target.as_deref().filter(|t| !t.is_empty()) {
            write!(f, " (target: {target})")?;
        }
        if !self.details.is_empty() {
            let inner: Vec<String> = self.details.iter().map(|d| d.to_string()).collect();
            write!(f, " [details: {}]", inner.join("; "))?;
        }
        Ok(())
    }
}

/// A non-2xx answer from the service, decoded from its body when the body is Azure's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub method: String,
    /// The request URL without its query string (signed URLs carry secrets in the query).
    pub url: String,
    pub error: ErrorDetail,
    /// `x-ms-request-id` (or `x-ms-client-request-id` echoed back), for support tickets.
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn code(&self) -> &str {
        &self.error.code
    }
}

impl fmt::Display for ApiError {
    /// Cause first, then the request: `409 Conflict: ComputeInUse: … — POST host /path (request id …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        if reason.is_empty() {
            write!(f, "HTTP {}", self.status)?;
        } else {
            write!(f, "{} {reason}", self.status)?;
        }
        // A code that only repeats the reason (`400 Bad Request: BadRequest`) is said once.
        if !reason.is_empty()
            && self.error.code == reason.replace(' ', "")
            && !self.error.message.is_empty()
        {
            let mut shown = self.error.clone();
            shown.code.clear();
            write!(f, ": {shown}")?;
        } else {
            write!(f, ": {}", self.error)?;
        }
        write!(f, " — {} {}", self.method, shown_target(&self.url))?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Why a request got no answer: decides whether another attempt can help and what to advise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens at the address.
    Refused,
    /// The connection broke (reset, closed early).
    Reset,
    /// The server's certificate is not trusted.
    Certificate,
    Other,
}

/// What kind of failure an error is, for retry decisions and for what the UI advises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 401, or no credential could produce a token.
    Auth,
    /// 403: the identity lacks a role.
    Forbidden,
    NotFound,
    /// 409 or 412: the resource is busy, in the wrong state for the request, or changed meanwhile.
    Conflict,
    /// 429.
    Throttled,
    /// No answer in time.
    Timeout,
    /// DNS, refused or broken connection, TLS.
    Network,
    /// 5xx.
    Service,
    /// Bad input or configuration (400, an invalid name, an unsupported operation).
    Invalid,
    Other,
}

impl ErrorKind {
    /// A short label (`auth`, `not found`, …) for the error history.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Service => "service",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Other => "error",
        }
    }

    /// Failures that the same request, sent again later, will meet again until the user acts.
    pub fn needs_user(self) -> bool {
        matches!(self, ErrorKind::Auth | ErrorKind::Forbidden)
    }
}

/// `host[:port] /path` of a shown (already redacted) URL: the scheme is noise in one line.
pub fn shown_target(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match rest.find('/') {
        Some(i) => format!("{} {}", &rest[..i], &rest[i..]),
        None => rest.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request never got an answer (DNS, refused or reset connection, TLS).
    #[error("{message} — {method} {}", shown_target(url))]
    Transport {
        method: String,
        url: String,
        message: String,
        failure: TransportFailure,
        /// The request may have reached the server (false: it failed while connecting).
        sent: bool,
    },
    /// No answer within the per-request timeout.
    #[error("timed out after {}s — {method} {}", .after.as_secs_f32(), shown_target(url))]
    Timeout {
        method: String,
        url: String,
        after: Duration,
    },
    /// The body was not the JSON we expected.
    #[error(
        "could not read the response: {message} — {method} {}",
        shown_target(url)
    )]
    Decode {
        method: String,
        url: String,
        message: String,
    },
    /// No credential could produce a token.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// A long-running operation ended Failed or Canceled.
    #[error("operation {operation} ended {status}: {error}")]
    OperationFailed {
        operation: String,
        status: String,
        error: Box<ErrorDetail>,
    },
    /// A long-running operation did not end before its deadline.
    #[error("operation {operation} still {status} after {}s; it goes on in Azure", .elapsed.as_secs())]
    OperationTimedOut {
        operation: String,
        status: String,
        elapsed: Duration,
    },
    /// The caller cancelled the wait (the operation itself may go on in Azure).
    #[error("stopped waiting for {operation}")]
    Cancelled { operation: String },
    /// A bearer token would have gone over plain http to a host that is not loopback.
    #[error(
        "refusing to send a bearer token over plain http to {host}: use https, or a loopback address for a local emulator"
    )]
    InsecureTransport { host: String },
    /// The service does not offer the operation (for example a preview operation on a stable api-version).
    #[error("{operation} is not supported by this service: {detail}")]
    Unsupported { operation: String, detail: String },
    /// Bad input or configuration, caught before anything was sent.
    #[error("{0}")]
    Invalid(String),
}

impl AzureError {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// The Azure error code (`ResourceNotFound`, `OutOfQuota`, ...), when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AzureError::Api(e) if !e.error.code.is_empty() => Some(&e.error.code),
            AzureError::OperationFailed { error, .. } if !error.code.is_empty() => {
                Some(&error.code)
            }
            _ => None,
        }
    }

    /// The service's request id, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AzureError::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AzureError::Api(e) => match e.status {
                401 => ErrorKind::Auth,
                403 => ErrorKind::Forbidden,
                404 => ErrorKind::NotFound,
                409 | 412 => ErrorKind::Conflict,
                429 => ErrorKind::Throttled,
                408 => ErrorKind::Timeout,
                500..=599 => ErrorKind::Service,
                400..=499 => ErrorKind::Invalid,
                _ => ErrorKind::Other,
            },
            AzureError::Transport { .. } => ErrorKind::Network,
            AzureError::Timeout { .. } | AzureError::OperationTimedOut { .. } => ErrorKind::Timeout,
            AzureError::Auth(_) => ErrorKind::Auth,
            AzureError::InsecureTransport { .. }
            | AzureError::Unsupported { .. }
            | AzureError::Invalid(_) => ErrorKind::Invalid,
            AzureError::Decode { .. }
            | AzureError::OperationFailed { .. }
            | AzureError::Cancelled { .. } => ErrorKind::Other,
        }
    }

    /// What the user can do about it, in one line.
    pub fn hint(&self) -> String {
        match (self.kind(), self) {
            (ErrorKind::Auth, AzureError::Api(_)) => {
                "the token was refused (invalid or expired): run `az login`, or check --auth / AMLC_TOKEN".into()
            }
            (ErrorKind::Auth, _) => {
                "no credential gave a token: run `az login`, or check --auth and its environment variables".into()
            }
            (ErrorKind::Forbidden, e) => {
                let allowing = match e {
                    AzureError::Api(api) => forbidden_action(&api.error)
                        .map(|action| format!(" allowing {action}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                format!(
                    "your identity has no role on this workspace{allowing}: ask its owner for one (e.g. AzureML Data Scientist or Contributor); `az role assignment list --assignee <you> --all` shows yours"
                )
            }
            (ErrorKind::NotFound, _) => {
                "not found: check the subscription, resource group and workspace names, and the resource's (`amlc doctor` checks the context)".into()
            }
            (ErrorKind::Conflict, _) => {
                "the resource's state does not allow this now (busy, or in the wrong state for it): check its state, let a running operation finish, and try again".into()
            }
            (ErrorKind::Throttled, _) => {
                "Azure is rate-limiting requests: amlc backs off and retries by itself; if it lasts, wait a minute".into()
            }
            (ErrorKind::Timeout, _) => {
                "no answer in time: check the network, or allow more time with --timeout".into()
            }
            (ErrorKind::Network, AzureError::Transport { failure, url, .. }) => match failure {
                TransportFailure::Dns => {
                    "the host name does not resolve: check the endpoint (--endpoint, --cloud) and DNS".into()
                }
                TransportFailure::Refused if is_loopback_text(url) => {
                    "the endpoint could not be reached: nothing listens there (is the emulator running? check --endpoint)".into()
                }
                TransportFailure::Certificate => {
                    "the server's certificate is not trusted: trust its CA with --ca-cert PATH or SSL_CERT_FILE".into()
                }
                _ => NETWORK_HINT.into(),
            },
            (ErrorKind::Network, _) => NETWORK_HINT.into(),
            (ErrorKind::Service, _) => {
                "Azure had a server error: amlc retries; if it lasts, see https://status.azure.com".into()
            }
            (ErrorKind::Invalid, _) => "check the input or the configuration (`amlc doctor`)".into(),
            (ErrorKind::Other, _) => "see amlc's log (amlc.log in its data dir; AMLC_LOG=debug for more)".into(),
        }
    }
}

const NETWORK_HINT: &str = "the endpoint could not be reached: check the network, the proxy (HTTPS_PROXY, NO_PROXY), DNS and the endpoint (--cloud, --endpoint)";

/// The action a 403 names (`… does not have authorization to perform action 'X' over scope …`).
fn forbidden_action(error: &ErrorDetail) -> Option<String> {
    let message = &error.message;
    let start = message.find("action '")? + "action '".len();
    let len = message[start..].find('\'')?;
    Some(message[start..start + len].to_owned()).filter(|a| !a.is_empty())
}

fn is_loopback_text(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

impl From<Box<ApiError>> for AzureError {
    fn from(value: Box<ApiError>) -> Self {
        AzureError::Api(value)
    }
}

/// Collapses a multi-line message into one line so errors read well in a status bar.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The URL without query string or fragment: signed URLs carry their secrets there.
pub fn redact_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_reads_on_one_line() {
        let body = r#"{"error":{"code":"BadRequest","message":"The name\nis invalid","target":"computeName",
            "details":[{"code":"Inner","message":"too long"}]}}"#;
        let parsed: ErrorResponse = serde_json::from_str(body).unwrap();
        let err = AzureError::Api(Box::new(ApiError {
            status: 400,
            method: "PUT".into(),
            url: "https://management.azure.com/x".into(),
            error: parsed.error,
            request_id: Some("abc".into()),
        }));
        let text = err.to_string();
        assert_eq!(
            text,
            "400 Bad Request: The name is invalid (target: computeName) [details: Inner: too long] — PUT management.azure.com /x (request id abc)"
        );
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(!text.contains('\n'));
        assert_eq!(err.code(), Some("BadRequest"));
    }

    #[test]
    fn kinds_and_hints_by_status() {
        let api = |status: u16, message: &str| {
            AzureError::Api(Box::new(ApiError {
                status,
                method: "GET".into(),
                url: "https://h/p".into(),
                error: ErrorDetail {
                    code: "X".into(),
                    message: message.into(),
                    ..ErrorDetail::default()
                },
                request_id: None,
            }))
        };
        for (status, kind) in [
            (401, ErrorKind::Auth),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (412, ErrorKind::Conflict),
            (429, ErrorKind::Throttled),
            (503, ErrorKind::Service),
            (400, ErrorKind::Invalid),
        ] {
            assert_eq!(api(status, "m").kind(), kind, "{status}");
        }
        assert!(api(401, "").hint().contains("az login"));
        let forbidden = api(
            403,
            "The client 'me' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/computes/write' over scope '/x'",
        );
        assert!(
            forbidden
                .hint()
                .contains("Microsoft.MachineLearningServices/workspaces/computes/write"),
            "{}",
            forbidden.hint()
        );
        assert!(api(404, "").hint().contains("amlc doctor"));
        assert!(api(429, "").hint().contains("backs off"));
        assert_eq!(AzureError::Auth("x".into()).kind(), ErrorKind::Auth);
        let refused = AzureError::Transport {
            method: "GET".into(),
            url: "http://127.0.0.1:1/subscriptions/s".into(),
            message: "Connection refused".into(),
            failure: TransportFailure::Refused,
            sent: false,
        };
        assert_eq!(refused.kind(), ErrorKind::Network);
        assert_eq!(
            refused.to_string(),
            "Connection refused — GET 127.0.0.1:1 /subscriptions/s"
        );
        assert!(refused.hint().contains("emulator"));
    }

    #[test]
    fn null_details_are_accepted() {
        let parsed: ErrorResponse =
            serde_json::from_str(r#"{"error":{"code":"X","message":"m","details":null}}"#).unwrap();
        assert!(parsed.error.details.is_empty());
    }

    #[test]
    fn redact_url_drops_signatures() {
        let url =
            url::Url::parse("https://a.blob.core.windows.net/c/log.txt?sig=SECRET&sp=r").unwrap();
        assert_eq!(
            redact_url(&url),
            "https://a.blob.core.windows.net/c/log.txt"
        );
    }
}
