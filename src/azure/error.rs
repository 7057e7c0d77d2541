//! Typed errors of the Azure ML client. Every failure the client can meet (an ARM error body, a
//! transport failure, a timeout, an undecodable body, a failed long-running operation, missing
//! credentials) becomes one `AzureError` whose `Display` reads well on one line. No secret ever
//! reaches these messages: request URLs are shown without their query strings.

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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} from {} {}: {}",
            self.status, self.method, self.url, self.error
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request never got an answer (DNS, refused or reset connection, TLS).
    #[error("network error on {method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
    /// No answer within the per-request timeout.
    #[error("{method} {url} timed out after {}s", .after.as_secs_f32())]
    Timeout {
        method: String,
        url: String,
        after: Duration,
    },
    /// The body was not the JSON we expected.
    #[error("could not read the response of {method} {url}: {message}")]
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

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
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
            "HTTP 400 from PUT https://management.azure.com/x: BadRequest: The name is invalid (target: computeName) [details: Inner: too long] (request id abc)"
        );
        assert!(!text.contains('\n'));
        assert_eq!(err.code(), Some("BadRequest"));
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
