//! Workspace get, the workspaces of a subscription or resource group (for the workspace picker;
//! every page), and the discovery document (API reference §2). The discovery document is read
//! without a bearer token, as the Azure SDK does; its `api` entry is the run-history base, which
//! the client finds once and keeps.

use super::client::AmlClient;
use super::computes::decode_page;
use super::context::Cloud;
use super::error::{AzureError, Result};
use super::http::{Pipeline, Request};
use super::models::{DiscoveryDocument, Page, Workspace};
use url::Url;

/// One workspace as a list of choices shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSummary {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    /// `?` when the service did not say.
    pub location: String,
}

impl WorkspaceSummary {
    /// The summary of `workspace`, listed in `subscription`; the resource group is read from the
    /// ARM id (`?` when the id has none).
    pub fn of(workspace: &Workspace, subscription: &str) -> WorkspaceSummary {
        let id = workspace.id.as_deref().unwrap_or("");
        let segment_after = |key: &str| {
            let mut parts = id.split('/');
            parts.find(|p| p.eq_ignore_ascii_case(key))?;
            parts.next().filter(|p| !p.is_empty()).map(str::to_string)
        };
        WorkspaceSummary {
            subscription: segment_after("subscriptions").unwrap_or_else(|| subscription.into()),
            resource_group: segment_after("resourceGroups").unwrap_or_else(|| "?".into()),
            name: workspace
                .name
                .clone()
                .or_else(|| segment_after("workspaces"))
                .unwrap_or_else(|| "?".into()),
            location: workspace
                .location
                .clone()
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "?".into()),
        }
    }
}

/// The workspaces of `subscription` (`GET /subscriptions/{sub}/providers/Microsoft.MachineLearningServices/workspaces`),
/// or of one resource group of it, every page, sorted by resource group and name.
pub async fn list_workspaces(
    pipeline: &Pipeline,
    cloud: &Cloud,
    api_version: &str,
    subscription: &str,
    resource_group: Option<&str>,
) -> Result<Vec<WorkspaceSummary>> {
    let mut segments = vec!["subscriptions", subscription];
    if let Some(rg) = resource_group {
        segments.extend(["resourceGroups", rg]);
    }
    segments.extend([
        "providers",
        "Microsoft.MachineLearningServices",
        "workspaces",
    ]);
    let url = AmlClient::url_from(
        &cloud.arm_endpoint(),
        &segments,
        &[("api-version", api_version)],
    )?;
    let workspaces = pipeline
        .collect_pages(url, api_version, |page| {
            let page: Page<Workspace> = decode_page(page)?;
            Ok(page.value)
        })
        .await?;
    let mut out: Vec<WorkspaceSummary> = workspaces
        .iter()
        .map(|w| WorkspaceSummary::of(w, subscription))
        .collect();
    out.sort_by(|a, b| {
        (
            a.resource_group.to_ascii_lowercase(),
            a.name.to_ascii_lowercase(),
        )
            .cmp(&(
                b.resource_group.to_ascii_lowercase(),
                b.name.to_ascii_lowercase(),
            ))
    });
    Ok(out)
}

impl AmlClient {
    /// The workspaces of this client's subscription, or of `resource_group` in it.
    pub async fn list_workspaces(
        &self,
        resource_group: Option<&str>,
    ) -> Result<Vec<WorkspaceSummary>> {
        list_workspaces(
            &self.pipeline,
            &self.ctx.cloud,
            &self.ctx.api_version,
            &self.ctx.subscription,
            resource_group,
        )
        .await
    }

    /// `GET {WS}`.
    pub async fn get_workspace(&self) -> Result<Workspace> {
        let url = self.ws_url(&[], &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }

    /// The discovery document at `discovery_url` (no auth header).
    pub async fn get_discovery(&self, discovery_url: &Url) -> Result<DiscoveryDocument> {
        self.pipeline
            .send_json(Request::get(discovery_url.clone()).without_auth())
            .await
    }

    /// The workspace's discovery URL.
    pub async fn discovery_url(&self) -> Result<Url> {
        let workspace = self.get_workspace().await?;
        let text = workspace.properties.discovery_url.clone().ok_or_else(|| {
            AzureError::Invalid(format!(
                "workspace {} has no discoveryUrl; run history is not reachable",
                self.ctx.workspace
            ))
        })?;
        Url::parse(&text).map_err(|e| {
            AzureError::Invalid(format!("workspace discoveryUrl {text:?} is not a URL: {e}"))
        })
    }

    /// The data-plane (`api`) base URL: workspace → discoveryUrl → discovery document, once.
    pub async fn data_plane_url(&self) -> Result<Url> {
        self.data_plane
            .get_or_try_init(|| async {
                let discovery = self.discovery_url().await?;
                let document = self.get_discovery(&discovery).await?;
                let api = document.api().ok_or_else(|| {
                    AzureError::Invalid("the discovery document has no \"api\" entry".into())
                })?;
                let mut url = Url::parse(api).map_err(|e| {
                    AzureError::Invalid(format!("discovery \"api\" {api:?} is not a URL: {e}"))
                })?;
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                Ok(url)
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_the_group_from_the_id() {
        let ws: Workspace = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/S1/resourceGroups/My-RG/providers/Microsoft.MachineLearningServices/workspaces/ml",
            "name": "ml",
            "location": "westeurope",
            "properties": {}
        }))
        .unwrap();
        assert_eq!(
            WorkspaceSummary::of(&ws, "fallback"),
            WorkspaceSummary {
                subscription: "S1".into(),
                resource_group: "My-RG".into(),
                name: "ml".into(),
                location: "westeurope".into(),
            }
        );
        let bare: Workspace =
            serde_json::from_value(serde_json::json!({"properties": {}})).unwrap();
        let summary = WorkspaceSummary::of(&bare, "fallback");
        assert_eq!(
            (
                summary.subscription.as_str(),
                summary.resource_group.as_str(),
                summary.name.as_str(),
                summary.location.as_str()
            ),
            ("fallback", "?", "?", "?")
        );
    }
}
