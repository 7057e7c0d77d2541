//! HTTP plumbing shared by the emulator's routes: the ARM-shaped error type, the bearer-token and
//! `api-version` middlewares, JSON helpers, the long-running-operation headers, and the
//! canonicalisation of ARM path literals (ARM is case-insensitive in `resourceGroups`,
//! `providers/Microsoft.MachineLearningServices`, ...). No business logic lives here.

use super::model::{self, Operation, PROVIDER};
use super::shared::Sh;
use crate::azure::error::{ErrorDetail, ErrorResponse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;

/// An error answered in ARM's `{"error":{code,message,...}}` shape.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: Box<ErrorDetail>,
    pub headers: Vec<(HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: Box::new(model::err(code, message)),
            headers: Vec::new(),
        }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }
    pub fn target(mut self, target: &str) -> ApiError {
        self.detail.target = Some(target.to_string());
        self
    }
    pub fn detail(mut self, d: ErrorDetail) -> ApiError {
        self.detail.details.push(d);
        self
    }
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            Json(ErrorResponse {
                error: (*self.detail).clone(),
            }),
        )
            .into_response();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        if let Ok(v) = HeaderValue::from_str(&self.detail.code) {
            resp.headers_mut()
                .insert(HeaderName::from_static("x-ms-failure-cause"), v);
        }
        resp
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// `status` with a JSON body.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

pub fn with_headers(mut resp: Response, headers: Vec<(&'static str, String)>) -> Response {
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    resp
}

/// Parses a JSON request body, answering ARM's error when it is not JSON.
pub fn parse_body(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {e}"),
        )
    })
}

pub type Query = HashMap<String, String>;

pub fn api_version(q: &Query) -> String {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub fn query_param<'a>(q: &'a Query, name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Which family of operation routes an operation is served under.
pub enum OpRoute {
    Compute,
    Mfe,
}

/// `Azure-AsyncOperation`, `Location` and `Retry-After` for an operation.
pub fn lro_headers(
    sh: &Sh,
    op: &Operation,
    api: &str,
    route: OpRoute,
) -> Vec<(&'static str, String)> {
    let (status, result) = match route {
        OpRoute::Compute => ("computeOperationsStatus", "computeOperationsResult"),
        OpRoute::Mfe => ("mfeOperationsStatus", "mfeOperationResults"),
    };
    let prefix = format!(
        "subscriptions/{}/providers/{PROVIDER}/locations/{}",
        op.subscription, op.location
    );
    vec![
        (
            "azure-asyncoperation",
            sh.abs(&format!(
                "{prefix}/{status}/{}?api-version={}&service=new",
                op.id,
                enc(api)
            )),
        ),
        (
            "location",
            sh.abs(&format!(
                "{prefix}/{result}/{}?api-version={}",
                op.id,
                enc(api)
            )),
        ),
        ("retry-after", "1".to_string()),
    ]
}

/// Constant-time comparison (length leaks, content does not).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Requires `Authorization: Bearer <token>` (ARM and run-history routes).
pub async fn require_auth(State(sh): State<Sh>, req: Request, next: Next) -> Response {
    let header_value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let presented = header_value.and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    match presented {
        Some(t) if ct_eq(t.as_bytes(), sh.token.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )
        .header(
            header::WWW_AUTHENTICATE,
            "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"The access token is invalid.\"",
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            if header_value.is_some() {
                "Authentication failed. The 'Authorization' header is not a Bearer token."
            } else {
                "Authentication failed. The 'Authorization' header is missing."
            },
        )
        .header(
            header::WWW_AUTHENTICATE,
            "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"",
        )
        .into_response(),
    }
}

/// Requires the `api-version` query parameter, as ARM does (any value is accepted).
pub async fn require_api_version(req: Request, next: Next) -> Response {
    let has = req.uri().query().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .any(|(k, v)| k.eq_ignore_ascii_case("api-version") && !v.trim().is_empty())
    });
    if has {
        next.run(req).await
    } else {
        ApiError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
        .into_response()
    }
}

/// Literals that appear at "collection" positions of ARM and run-history paths.
const LITERALS: &[&str] = &[
    "subscriptions",
    "resourceGroups",
    "providers",
    "workspaces",
    "computes",
    "jobs",
    "locations",
    "vmSizes",
    "usages",
    "quotas",
    "updateQuotas",
    "computeOperationsStatus",
    "computeOperationsResult",
    "mfeOperationsStatus",
    "mfeOperationResults",
    "runs",
    "details",
    "start",
    "stop",
    "restart",
    "listNodes",
    "listKeys",
    "updateIdleShutdownSetting",
    "customServices",
    "updateDataMounts",
    "resize",
    "getAllowedVmSizesForResize",
    "cancel",
];

/// Rewrites the fixed literals of an ARM path to their canonical case, leaving resource names
/// alone. Returns None when nothing changed.
pub fn canonical_path(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').collect();
    let anchor = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("subscriptions"))?;
    if anchor > 3 {
        return None;
    }
    let mut out: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    let mut changed = false;
    for i in anchor..segs.len() {
        let seg = segs[i];
        let canonical = if (i - anchor) % 2 == 0 {
            LITERALS
                .iter()
                .find(|l| l.eq_ignore_ascii_case(seg))
                .copied()
        } else if i > 0
            && segs[i - 1].eq_ignore_ascii_case("providers")
            && seg.eq_ignore_ascii_case(PROVIDER)
        {
            Some(PROVIDER)
        } else {
            None
        };
        if let Some(c) = canonical
            && c != seg
        {
            out[i] = c.to_string();
            changed = true;
        }
    }
    changed.then(|| out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_literals_not_names() {
        assert_eq!(
            canonical_path("/subscriptions/s/resourcegroups/RG/providers/microsoft.machinelearningservices/workspaces/jobs/computes/start"),
            Some("/subscriptions/s/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/jobs/computes/start".to_string())
        );
        assert_eq!(canonical_path("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(canonical_path("/discovery"), None);
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
