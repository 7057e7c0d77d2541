//! Workspace get and the discovery document (API reference §2). The discovery document is read
//! without a bearer token, as the Azure SDK does; its `api` entry is the run-history base, which
//! the client finds once and keeps.

use super::client::AmlClient;
use super::error::{AzureError, Result};
use super::http::Request;
use super::models::{DiscoveryDocument, Workspace};
use url::Url;

impl AmlClient {
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
