//! HTTP plumbing shared by the emulator's routes: the ARM-shaped error type (and the conversion
//! of any other error answer, such as axum's 405 or 413, into it), the bearer-token and
//! `api-version` middlewares (a dated version, stable or preview), JSON helpers, the long-running-operation headers, and the
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
    let mut headers = vec![
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
    ];
    headers.extend(retry_headers(sh));
    headers
}

/// When to poll an operation again: `Retry-After: 1`, and, for a sped-up emulator, also
/// `retry-after-ms` (which clients read before `Retry-After`) scaled like every other delay,
/// since whole seconds would make a client wait longer than the operation takes.
pub fn retry_headers(sh: &Sh) -> Vec<(&'static str, String)> {
    let mut headers = vec![("retry-after", "1".to_string())];
    if sh.speed > 1.0 {
        headers.push(("retry-after-ms", sh.ms(1.0).max(20).to_string()));
    }
    headers
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

/// Requires the `api-version` query parameter, as ARM does, and checks its shape: any dated
/// version, stable (`2025-12-01`) or preview (`2024-10-01-preview`), is accepted (the emulator
/// speaks one dialect for all of them); anything else gets ARM's `InvalidApiVersionParameter`.
pub async fn require_api_version(req: Request, next: Next) -> Response {
    let given = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
            .map(|(_, v)| v.trim().to_string())
    });
    match given {
        Some(v) if v.is_empty() => missing_api_version(),
        None => missing_api_version(),
        Some(v) if is_dated_api_version(&v) => next.run(req).await,
        Some(v) => ApiError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{v}' is invalid. The supported versions are dated versions of the \
                 form 'YYYY-MM-DD' or 'YYYY-MM-DD-preview', such as '2025-12-01' or '2024-10-01-preview'."
            ),
        )
        .into_response(),
    }
}

fn missing_api_version() -> Response {
    ApiError::bad_request(
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )
    .into_response()
}

/// `YYYY-MM-DD` or `YYYY-MM-DD-preview` with a real month and day.
pub fn is_dated_api_version(v: &str) -> bool {
    let date = v.strip_suffix("-preview").unwrap_or(v);
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>())
    else {
        return false;
    };
    let Ok(month) = time::Month::try_from(month) else {
        return false;
    };
    year >= 2014 && day >= 1 && day <= month.length(year)
}

/// Gives an error answer that is not ARM-shaped JSON (axum's own 405, 413 from the body limit,
/// rejections of a malformed path or query) the shape `{"error":{"code","message"}}`, keeping
/// its status and headers. ARM-shaped answers and successes pass through unchanged.
pub async fn arm_shaped_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "MethodNotAllowed",
            "The requested resource does not support this HTTP method.".to_string(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "RequestEntityTooLarge",
            "The request body is too large (the limit is 2 MB).".to_string(),
        ),
        StatusCode::NOT_FOUND => (
            "NotFound",
            "The emulator does not serve this path.".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UnsupportedMediaType",
            "The request content type is not supported; send application/json.".to_string(),
        ),
        s if s.is_client_error() => (
            "BadRequest",
            if text.is_empty() {
                "The request is invalid.".to_string()
            } else {
                format!("The request is invalid: {text}")
            },
        ),
        _ => (
            "InternalServerError",
            "The emulator had an internal error.".to_string(),
        ),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
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
    "codes",
    "environments",
    "datastores",
    "versions",
    "startPendingUpload",
    "listSecrets",
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
    fn api_versions_are_dated() {
        for ok in [
            "2025-12-01",
            "2024-10-01-preview",
            "2099-01-01-preview",
            "2024-02-29",
            "2014-01-01",
        ] {
            assert!(is_dated_api_version(ok), "{ok}");
        }
        for bad in [
            "bogus",
            "",
            "1",
            "v1.0",
            "2025-13-01",
            "2025-02-30",
            "2023-02-29",
            "2025-1-01",
            "2025-12-01-beta",
            "2025-12-01-preview-preview",
            "25-12-01",
            "２０２５-12-01",
        ] {
            assert!(!is_dated_api_version(bad), "{bad}");
        }
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
