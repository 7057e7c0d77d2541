//! Long-running operations (ARM LRO, API reference §1.1): one `Operation` type that follows
//! `Azure-AsyncOperation`, else `Location`, else the resource's `provisioningState`; honours
//! `Retry-After`; has a deadline and can be cancelled; reports status and elapsed time as it goes;
//! and ends with the final resource (as JSON) or a typed error carrying the operation's error.

use super::error::{AzureError, ErrorDetail, ErrorResponse, Result};
use super::http::{Pipeline, Request, Response};
use super::models::{AsyncOperationState, AsyncOperationStatus};
use reqwest::Method;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use url::Url;

/// What an operation reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LroProgress {
    pub operation: String,
    /// `InProgress`, `Creating`, ... as the service says it.
    pub status: String,
    pub elapsed: Duration,
    pub polls: u32,
}

/// A callback that receives progress reports.
pub type ProgressFn = Arc<dyn Fn(&LroProgress) + Send + Sync>;

/// How to wait for an operation.
#[derive(Clone)]
pub struct WaitOptions {
    /// Give up waiting after this long (the operation goes on in Azure).
    pub deadline: Duration,
    /// Poll interval when the service sends no `Retry-After`.
    pub default_interval: Duration,
    /// Bounds applied to a server-sent `Retry-After`.
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub cancel: CancellationToken,
    pub progress: Option<ProgressFn>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            deadline: Duration::from_secs(30 * 60),
            default_interval: Duration::from_secs(5),
            min_interval: Duration::from_millis(200),
            max_interval: Duration::from_secs(60),
            cancel: CancellationToken::new(),
            progress: None,
        }
    }
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("deadline", &self.deadline)
            .field("default_interval", &self.default_interval)
            .finish_non_exhaustive()
    }
}

/// How the operation is tracked, decided from the initial response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracking {
    AsyncOperation {
        status_url: Url,
        location: Option<Url>,
    },
    Location(Url),
    ProvisioningState,
    /// The initial response was already final.
    Done,
}

/// The outcome of one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    Running {
        status: String,
        retry_after: Option<Duration>,
    },
    /// Finished; the final resource body when there is one.
    Succeeded(Option<serde_json::Value>),
}

/// A started long-running operation.
#[derive(Debug)]
pub struct Operation {
    pipeline: Pipeline,
    /// What is being done, for messages: "start compute gpu-ci".
    pub name: String,
    method: Method,
    resource_url: Url,
    tracking: Tracking,
    last_status: String,
    last_retry_after: Option<Duration>,
    initial_body: Option<serde_json::Value>,
    started: Instant,
    polls: u32,
}

const TERMINAL_OK: &str = "succeeded";

fn is_terminal(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "succeeded" | "failed" | "canceled" | "cancelled"
    )
}

fn header_url(response: &Response, name: &str) -> Option<Url> {
    let value = response.header(name)?.trim();
    response.url.join(value).ok()
}

fn provisioning_state(body: &serde_json::Value) -> Option<String> {
    body.pointer("/properties/provisioningState")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The error of a resource whose provisioning failed: the first of `provisioningErrors`.
fn provisioning_error(body: &serde_json::Value) -> ErrorDetail {
    body.pointer("/properties/provisioningErrors/0")
        .and_then(|v| serde_json::from_value::<ErrorResponse>(v.clone()).ok())
        .map(|r| r.error)
        .unwrap_or_else(|| ErrorDetail {
            code: "ProvisioningFailed".into(),
            message: "the resource ended in a failed provisioning state".into(),
            ..ErrorDetail::default()
        })
}

impl Operation {
    /// Builds the operation from the answer to its initial request (already known to be 2xx).
    pub fn from_initial(
        pipeline: Pipeline,
        name: impl Into<String>,
        resource_url: Url,
        initial: Response,
    ) -> Result<Self> {
        let method = initial.method.clone();
        let body = initial.json_opt().unwrap_or(None);
        let tracking = if let Some(status_url) = header_url(&initial, "azure-asyncoperation") {
            Tracking::AsyncOperation {
                status_url,
                location: header_url(&initial, "location"),
            }
        } else if let Some(location) = header_url(&initial, "location") {
            Tracking::Location(location)
        } else if matches!(method, Method::PUT | Method::PATCH)
            && body
                .as_ref()
                .and_then(provisioning_state)
                .is_some_and(|s| !is_terminal(&s))
        {
            Tracking::ProvisioningState
        } else {
            Tracking::Done
        };
        let last_status = body
            .as_ref()
            .and_then(provisioning_state)
            .unwrap_or_else(|| "InProgress".into());
        Ok(Operation {
            pipeline,
            name: name.into(),
            method,
            resource_url,
            tracking,
            last_status,
            last_retry_after: initial.retry_after(),
            initial_body: body,
            started: Instant::now(),
            polls: 0,
        })
    }

    pub fn tracking(&self) -> &Tracking {
        &self.tracking
    }

    /// The status last reported by the service.
    pub fn status(&self) -> &str {
        &self.last_status
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn progress(&self) -> LroProgress {
        LroProgress {
            operation: self.name.clone(),
            status: self.last_status.clone(),
            elapsed: self.elapsed(),
            polls: self.polls,
        }
    }

    fn failed(&self, status: &str, error: ErrorDetail) -> AzureError {
        AzureError::OperationFailed {
            operation: self.name.clone(),
            status: status.to_string(),
            error: Box::new(error),
        }
    }

    /// Polls once. Errors of the service (the status URL answering 404, say) are returned as is.
    pub async fn poll(&mut self) -> Result<PollOutcome> {
        self.polls += 1;
        match self.tracking.clone() {
            Tracking::Done => {
                if let Some(body) = &self.initial_body
                    && let Some(state) = provisioning_state(body)
                    && !state.eq_ignore_ascii_case(TERMINAL_OK)
                    && is_terminal(&state)
                {
                    return Err(self.failed(&state, provisioning_error(body)));
                }
                Ok(PollOutcome::Succeeded(self.initial_body.clone()))
            }
            Tracking::AsyncOperation {
                status_url,
                location,
            } => {
                let response = self.pipeline.send(Request::get(status_url)).await?;
                self.last_retry_after = response.retry_after();
                let body: AsyncOperationStatus = response.json()?;
                let state = body
                    .status
                    .clone()
                    .unwrap_or(AsyncOperationState::InProgress);
                let status = state.to_string();
                self.last_status = status.clone();
                if !state.is_terminal() {
                    return Ok(PollOutcome::Running {
                        status,
                        retry_after: self.last_retry_after,
                    });
                }
                if state != AsyncOperationState::Succeeded {
                    let error = body.error.unwrap_or_else(|| ErrorDetail {
                        code: status.clone(),
                        message: format!("the operation ended {status} without an error body"),
                        ..ErrorDetail::default()
                    });
                    return Err(self.failed(&status, error));
                }
                self.final_body(location).await.map(PollOutcome::Succeeded)
            }
            Tracking::Location(location) => {
                let response = self.pipeline.send_raw(Request::get(location)).await?;
                self.last_retry_after = response.retry_after();
                match response.status.as_u16() {
                    202 => {
                        self.last_status = "InProgress".into();
                        Ok(PollOutcome::Running {
                            status: self.last_status.clone(),
                            retry_after: self.last_retry_after,
                        })
                    }
                    200 | 201 | 204 => {
                        self.last_status = "Succeeded".into();
                        Ok(PollOutcome::Succeeded(response.json_opt()?))
                    }
                    404 if self.method == Method::DELETE => {
                        self.last_status = "Succeeded".into();
                        Ok(PollOutcome::Succeeded(None))
                    }
                    _ => Err(response.to_error()),
                }
            }
            Tracking::ProvisioningState => {
                let response = self
                    .pipeline
                    .send(Request::get(self.resource_url.clone()))
                    .await?;
                self.last_retry_after = response.retry_after();
                let body: serde_json::Value = response.json()?;
                let state = provisioning_state(&body).unwrap_or_else(|| "Succeeded".into());
                self.last_status = state.clone();
                if !is_terminal(&state) {
                    Ok(PollOutcome::Running {
                        status: state,
                        retry_after: self.last_retry_after,
                    })
                } else if state.eq_ignore_ascii_case(TERMINAL_OK) {
                    Ok(PollOutcome::Succeeded(Some(body)))
                } else {
                    Err(self.failed(&state, provisioning_error(&body)))
                }
            }
        }
    }

    /// After an async operation succeeded: PUT/PATCH read the resource; DELETE/POST read the
    /// `Location` when there is one.
    async fn final_body(&self, location: Option<Url>) -> Result<Option<serde_json::Value>> {
        match self.method {
            Method::PUT | Method::PATCH => {
                let response = self
                    .pipeline
                    .send(Request::get(self.resource_url.clone()))
                    .await?;
                let body: serde_json::Value = response.json()?;
                if let Some(state) = provisioning_state(&body)
                    && is_terminal(&state)
                    && !state.eq_ignore_ascii_case(TERMINAL_OK)
                {
                    return Err(self.failed(&state, provisioning_error(&body)));
                }
                Ok(Some(body))
            }
            _ => match location {
                Some(url) => {
                    let response = self.pipeline.send_raw(Request::get(url)).await?;
                    match response.status.as_u16() {
                        200 | 201 => response.json_opt(),
                        202 | 204 | 404 => Ok(None),
                        _ => Err(response.to_error()),
                    }
                }
                None => Ok(None),
            },
        }
    }

    /// Polls until the operation ends, the deadline passes or `options.cancel` fires.
    pub async fn wait(mut self, options: &WaitOptions) -> Result<Option<serde_json::Value>> {
        let report = |op: &Operation| {
            if let Some(progress) = &options.progress {
                progress(&op.progress());
            }
        };
        report(&self);
        if self.tracking == Tracking::Done {
            return match self.poll().await? {
                PollOutcome::Succeeded(body) => Ok(body),
                PollOutcome::Running { .. } => Ok(None),
            };
        }
        // The first poll also waits: the initial answer's Retry-After says when to look.
        let mut delay = self.last_retry_after;
        loop {
            let interval = delay
                .map(|d| d.clamp(options.min_interval, options.max_interval))
                .unwrap_or(options.default_interval);
            let remaining = options.deadline.saturating_sub(self.elapsed());
            if remaining.is_zero() {
                return Err(AzureError::OperationTimedOut {
                    operation: self.name.clone(),
                    status: self.last_status.clone(),
                    elapsed: self.elapsed(),
                });
            }
            tokio::select! {
                _ = options.cancel.cancelled() => {
                    return Err(AzureError::Cancelled { operation: self.name.clone() });
                }
                _ = tokio::time::sleep(interval.min(remaining)) => {}
            }
            if self.elapsed() >= options.deadline {
                continue;
            }
            let outcome = tokio::select! {
                _ = options.cancel.cancelled() => {
                    return Err(AzureError::Cancelled { operation: self.name.clone() });
                }
                outcome = self.poll() => outcome?,
            };
            report(&self);
            match outcome {
                PollOutcome::Succeeded(body) => return Ok(body),
                PollOutcome::Running { retry_after, .. } => delay = retry_after,
            }
        }
    }
}
