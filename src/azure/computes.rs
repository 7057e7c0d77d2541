//! Compute operations of the API reference §3: list (every page), get, create-or-update, update
//! (cluster scale settings), delete with `Delete` or `Detach`, start, stop, restart, list nodes
//! (every page), list keys and the preview idle-shutdown update. Names are validated before
//! anything is sent; long-running operations come back as `lro::Operation`.

use super::client::AmlClient;
use super::error::{AzureError, ErrorKind, Result};
use super::http::Request;
use super::lro::Operation;
use super::models::names::validate_compute_name_for;
use super::models::{
    AmlComputeNodeInformation, ClusterUpdate, ComputeResource, ComputeSecrets, IdleShutdownSetting,
    NodesPage, Page, ScaleSettings,
};
use reqwest::Method;
use std::fmt;
use std::str::FromStr;

/// What `DELETE` does to the underlying resource: `Delete` it (managed compute) or `Detach` it
/// from the workspace and leave it running (attached compute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnderlyingResourceAction {
    Delete,
    Detach,
}

impl UnderlyingResourceAction {
    pub fn as_str(self) -> &'static str {
        match self {
            UnderlyingResourceAction::Delete => "Delete",
            UnderlyingResourceAction::Detach => "Detach",
        }
    }
}

impl fmt::Display for UnderlyingResourceAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnderlyingResourceAction {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "delete" => Ok(Self::Delete),
            "detach" => Ok(Self::Detach),
            _ => Err(format!("unknown action {s:?}: use Delete or Detach")),
        }
    }
}

/// Power actions on a compute instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    Start,
    Stop,
    Restart,
}

impl PowerAction {
    pub fn path(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
            PowerAction::Restart => "restart",
        }
    }
}

/// The name rule of the compute type being created (AKS 2–16, others 3–24), checked before sending.
fn checked<'a>(name: &'a str, resource: &ComputeResource) -> Result<&'a str> {
    validate_compute_name_for(&resource.type_name(), name).map_err(AzureError::Invalid)?;
    Ok(name)
}

impl AmlClient {
    /// Every compute of the workspace, following `nextLink` to the last page.
    pub async fn list_computes(&self) -> Result<Vec<ComputeResource>> {
        let url = self.ws_url(&["computes"], &[])?;
        let api = self.ctx.api_version.clone();
        self.pipeline
            .collect_pages(url, &api, |page| {
                let page: Page<ComputeResource> = decode_page(page)?;
                Ok(page.value)
            })
            .await
    }

    /// The raw JSON of every compute, as received (for `-o json`).
    pub async fn list_computes_raw(&self) -> Result<Vec<serde_json::Value>> {
        let url = self.ws_url(&["computes"], &[])?;
        let api = self.ctx.api_version.clone();
        self.pipeline
            .collect_pages(url, &api, |page| {
                Ok(match page.get("value") {
                    Some(serde_json::Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                })
            })
            .await
    }

    pub async fn get_compute(&self, name: &str) -> Result<ComputeResource> {
        // Reading does not validate the name: a compute made by another tool is shown as is.
        let url = self.ws_url(&["computes", name], &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }

    /// `PUT {C}`: creates (201) or replaces (200) a compute, or attaches one.
    pub async fn create_or_update_compute(
        &self,
        name: &str,
        resource: &ComputeResource,
    ) -> Result<Operation> {
        let url = self.ws_url(&["computes", checked(name, resource)?], &[])?;
        let body = serde_json::to_value(resource)
            .map_err(|e| AzureError::Invalid(format!("cannot encode compute {name}: {e}")))?;
        let retries_before = self.pipeline.stats().retries;
        let response = match self
            .pipeline
            .send(Request::new(Method::PUT, url.clone()).json(body))
            .await
        {
            Ok(response) => response,
            // A PUT retried after its connection dropped or timed out, then refused as a
            // conflict: the first attempt reached the service and its create is under way (the
            // answer, not the request, was lost). Follow the compute itself rather than report
            // a failure of what is in fact happening.
            Err(e)
                if e.kind() == ErrorKind::Conflict
                    && self
                        .pipeline
                        .retry_events_since(retries_before)
                        .iter()
                        .any(|ev| {
                            ev.request.starts_with("PUT ") && ev.request.contains(url.path())
                        }) =>
            {
                let mut current = self.pipeline.send(Request::get(url.clone())).await?;
                tracing::info!(
                    compute = name,
                    "a retried PUT was refused as a conflict: its first attempt got through; following the compute"
                );
                current.method = Method::PUT;
                current
            }
            Err(e) => return Err(e),
        };
        Operation::from_initial(
            self.pipeline.clone(),
            format!("create {name}"),
            url,
            response,
        )
    }

    /// `PATCH {C}` with new scale settings (AmlCompute only).
    pub async fn update_scale_settings(
        &self,
        name: &str,
        scale: ScaleSettings,
    ) -> Result<Operation> {
        let url = self.ws_url(&["computes", name], &[])?;
        let body = serde_json::to_value(ClusterUpdate::scale(scale))
            .map_err(|e| AzureError::Invalid(format!("cannot encode scale settings: {e}")))?;
        let response = self
            .pipeline
            .send(Request::new(Method::PATCH, url.clone()).json(body))
            .await?;
        Operation::from_initial(
            self.pipeline.clone(),
            format!("resize {name}"),
            url,
            response,
        )
    }

    /// `DELETE {C}?underlyingResourceAction=Delete|Detach`.
    pub async fn delete_compute(
        &self,
        name: &str,
        action: UnderlyingResourceAction,
    ) -> Result<Operation> {
        let url = self.ws_url(
            &["computes", name],
            &[("underlyingResourceAction", action.as_str())],
        )?;
        let response = self
            .pipeline
            .send(Request::new(Method::DELETE, url.clone()))
            .await?;
        let verb = match action {
            UnderlyingResourceAction::Delete => "delete",
            UnderlyingResourceAction::Detach => "detach",
        };
        let resource = self.ws_url(&["computes", name], &[])?;
        Operation::from_initial(
            self.pipeline.clone(),
            format!("{verb} {name}"),
            resource,
            response,
        )
    }

    /// `POST {C}/start|stop|restart` (compute instances).
    pub async fn power(&self, name: &str, action: PowerAction) -> Result<Operation> {
        let url = self.ws_url(&["computes", name, action.path()], &[])?;
        let response = self.pipeline.send(Request::new(Method::POST, url)).await?;
        let resource = self.ws_url(&["computes", name], &[])?;
        Operation::from_initial(
            self.pipeline.clone(),
            format!("{} {name}", action.path()),
            resource,
            response,
        )
    }

    pub async fn start_compute(&self, name: &str) -> Result<Operation> {
        self.power(name, PowerAction::Start).await
    }

    pub async fn stop_compute(&self, name: &str) -> Result<Operation> {
        self.power(name, PowerAction::Stop).await
    }

    pub async fn restart_compute(&self, name: &str) -> Result<Operation> {
        self.power(name, PowerAction::Restart).await
    }

    /// `POST {C}/listNodes`, every page (pages carry `nodes`, not `value`).
    pub async fn list_nodes(&self, name: &str) -> Result<Vec<AmlComputeNodeInformation>> {
        let url = self.ws_url(&["computes", name, "listNodes"], &[])?;
        let api = self.ctx.api_version.clone();
        self.pipeline
            .walk_pages(Method::POST, url, &api, None, |page| {
                Ok(decode_page::<NodesPage>(page)?.nodes)
            })
            .await
    }

    /// `POST {C}/listKeys`: the compute's secrets (masked wherever they are shown).
    pub async fn list_keys(&self, name: &str) -> Result<ComputeSecrets> {
        let url = self.ws_url(&["computes", name, "listKeys"], &[])?;
        self.pipeline
            .send_json(Request::new(Method::POST, url))
            .await
    }

    /// Preview `POST {C}/updateIdleShutdownSetting` with an ISO-8601 duration (15 min … 3 days).
    /// A service that does not offer the operation at this api-version gets a clear message.
    pub async fn update_idle_shutdown(&self, name: &str, idle: &str) -> Result<()> {
        self.set_idle_shutdown(name, Some(idle)).await
    }

    /// Sets (`Some`, an ISO-8601 duration of 15 min … 3 days) or clears (`None`: the body
    /// carries `"idleTimeBeforeShutdown": null`) an instance's idle shutdown.
    pub async fn set_idle_shutdown(&self, name: &str, idle: Option<&str>) -> Result<()> {
        if let Some(idle) = idle {
            let seconds = iso_duration_secs(idle).ok_or_else(|| {
                AzureError::Invalid(format!(
                    "idle time {idle:?} is not an ISO-8601 duration such as PT30M"
                ))
            })?;
            if !(15 * 60..=3 * 24 * 3600).contains(&seconds) {
                return Err(AzureError::Invalid(format!(
                    "idle time before shutdown must be between 15 minutes and 3 days (got {idle})"
                )));
            }
        }
        let url = self.ws_url(&["computes", name, "updateIdleShutdownSetting"], &[])?;
        let body = match idle {
            Some(idle) => serde_json::to_value(IdleShutdownSetting::new(idle))
                .map_err(|e| AzureError::Invalid(e.to_string()))?,
            None => serde_json::json!({ "idleTimeBeforeShutdown": null }),
        };
        match self
            .pipeline
            .send(Request::new(Method::POST, url).json(body))
            .await
        {
            Ok(_) => Ok(()),
            Err(AzureError::Api(e))
                if matches!(e.status, 404 | 405 | 501)
                    && !e.code().eq_ignore_ascii_case("ResourceNotFound") =>
            {
                Err(AzureError::Unsupported {
                    operation: "updateIdleShutdownSetting".into(),
                    detail: format!(
                        "the service refused it at api-version {} ({}). It is a preview operation: try a preview api-version such as 2026-03-15-preview",
                        self.ctx.api_version, e.error
                    ),
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// Decodes a page, naming what was wrong when the page itself is not a page.
pub(crate) fn decode_page<T: serde::de::DeserializeOwned>(page: serde_json::Value) -> Result<T> {
    serde_json::from_value(page).map_err(|e| AzureError::Decode {
        method: "GET".into(),
        url: "(page)".into(),
        message: e.to_string(),
    })
}

/// Seconds of an ISO-8601 duration (`PT30M`, `P1DT2H`); `None` when it is not one.
pub fn iso_duration_secs(text: &str) -> Option<u64> {
    let duration = iso8601::duration(text.trim()).ok()?;
    let std: std::time::Duration = duration.into();
    Some(std.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration_secs("PT30M"), Some(1800));
        assert_eq!(iso_duration_secs("PT120S"), Some(120));
        assert_eq!(iso_duration_secs("P1DT2H"), Some(93600));
        assert_eq!(iso_duration_secs("thirty minutes"), None);
    }

    #[test]
    fn actions_parse() {
        assert_eq!(
            "detach".parse::<UnderlyingResourceAction>(),
            Ok(UnderlyingResourceAction::Detach)
        );
        assert!("remove".parse::<UnderlyingResourceAction>().is_err());
    }
}
