//! `AmlClient`: one workspace's view of the Azure ML REST API. It owns the pipeline and the
//! context, builds URLs (percent-encoded path segments, `api-version` on every ARM request) and
//! caches the run-history base URL found through the discovery document. The operations live in
//! `computes.rs`, `jobs.rs`, `logs.rs`, `sizes.rs` and `workspace.rs` as `impl AmlClient` blocks.

use super::context::WorkspaceContext;
use super::error::{AzureError, Result};
use super::http::Pipeline;
use std::sync::Arc;
use url::Url;

#[derive(Clone, Debug)]
pub struct AmlClient {
    pub(crate) pipeline: Pipeline,
    pub(crate) ctx: Arc<WorkspaceContext>,
    /// The run-history / data-plane base (`api` of the discovery document), found once.
    pub(crate) data_plane: Arc<tokio::sync::OnceCell<Url>>,
}

impl AmlClient {
    pub fn new(ctx: WorkspaceContext, pipeline: Pipeline) -> Self {
        AmlClient {
            pipeline,
            ctx: Arc::new(ctx),
            data_plane: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    pub fn context(&self) -> &WorkspaceContext {
        &self.ctx
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// `base` + segments (each percent-encoded) + query pairs.
    pub(crate) fn url_from(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut url = base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| AzureError::Invalid(format!("{base} cannot be used as a base URL")))?;
            path.pop_if_empty();
            for segment in segments {
                if segment.is_empty() {
                    return Err(AzureError::Invalid(
                        "an empty name in a resource path".into(),
                    ));
                }
                path.push(segment);
            }
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// An ARM URL under the cloud's resource manager endpoint, with `api-version`.
    pub(crate) fn arm_url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut all = vec![("api-version", self.ctx.api_version.as_str())];
        all.extend_from_slice(query);
        Self::url_from(&self.ctx.cloud.arm_endpoint(), segments, &all)
    }

    /// The segments of `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`.
    pub(crate) fn workspace_segments(&self) -> Vec<&str> {
        vec![
            "subscriptions",
            &self.ctx.subscription,
            "resourceGroups",
            &self.ctx.resource_group,
            "providers",
            "Microsoft.MachineLearningServices",
            "workspaces",
            &self.ctx.workspace,
        ]
    }

    /// An ARM URL under the workspace: `{WS}/{extra...}?api-version=...&{query}`.
    pub(crate) fn ws_url(&self, extra: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut segments = self.workspace_segments();
        segments.extend_from_slice(extra);
        self.arm_url(&segments, query)
    }

    /// `/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{location}/{extra...}`
    pub(crate) fn location_url(&self, location: &str, extra: &[&str]) -> Result<Url> {
        let mut segments = vec![
            "subscriptions",
            self.ctx.subscription.as_str(),
            "providers",
            "Microsoft.MachineLearningServices",
            "locations",
            location,
        ];
        segments.extend_from_slice(extra);
        self.arm_url(&segments, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::context::Cloud;
    use crate::azure::http::PipelineOptions;

    fn client(endpoint: &str) -> AmlClient {
        let ctx = WorkspaceContext::new(
            endpoint.parse::<Cloud>().unwrap(),
            "sub",
            "my rg (test)",
            "ws",
        );
        AmlClient::new(
            ctx,
            Pipeline::new(None, PipelineOptions::default()).unwrap(),
        )
    }

    #[test]
    fn workspace_urls_are_encoded_and_versioned() {
        let c = client("https://management.azure.com");
        let url = c.ws_url(&["computes", "gpu"], &[("$skip", "a b")]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://management.azure.com/subscriptions/sub/resourceGroups/my%20rg%20(test)/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/gpu?api-version=2025-12-01&%24skip=a+b"
        );
    }

    #[test]
    fn custom_endpoint_with_path_prefix() {
        let c = client("http://127.0.0.1:8080/arm");
        let url = c.location_url("eastus", &["vmSizes"]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/arm/subscriptions/sub/providers/Microsoft.MachineLearningServices/locations/eastus/vmSizes?api-version=2025-12-01"
        );
    }

    #[test]
    fn empty_segment_is_refused() {
        let c = client("https://management.azure.com");
        assert!(c.ws_url(&["computes", ""], &[]).is_err());
    }
}
