//! Location-scoped lookups: VM sizes (one page, no `nextLink`), usages and quotas (paged).

use super::client::AmlClient;
use super::computes::decode_page;
use super::error::Result;
use super::http::Request;
use super::models::{Page, ResourceQuota, Usage, VirtualMachineSize, VirtualMachineSizeListResult};

impl AmlClient {
    /// `GET …/locations/{location}/vmSizes`.
    pub async fn list_vm_sizes(&self, location: &str) -> Result<Vec<VirtualMachineSize>> {
        let url = self.location_url(location, &["vmSizes"])?;
        let result: VirtualMachineSizeListResult =
            self.pipeline.send_json(Request::get(url)).await?;
        Ok(result.value)
    }

    /// `GET …/locations/{location}/usages`, every page.
    pub async fn list_usages(&self, location: &str) -> Result<Vec<Usage>> {
        let url = self.location_url(location, &["usages"])?;
        let api = self.ctx.api_version.clone();
        self.pipeline
            .collect_pages(
                url,
                &api,
                |page| Ok(decode_page::<Page<Usage>>(page)?.value),
            )
            .await
    }

    /// `GET …/locations/{location}/quotas`, every page.
    pub async fn list_quotas(&self, location: &str) -> Result<Vec<ResourceQuota>> {
        let url = self.location_url(location, &["quotas"])?;
        let api = self.ctx.api_version.clone();
        self.pipeline
            .collect_pages(url, &api, |page| {
                Ok(decode_page::<Page<ResourceQuota>>(page)?.value)
            })
            .await
    }
}
