//! The workspace a client talks to: cloud (and so the ARM endpoint and token scope), subscription,
//! resource group, workspace and api-version. Values only; where they come from is `config`'s job.

use std::fmt;
use std::str::FromStr;
use url::Url;

/// The stable api-version amlc speaks by default (see the API reference §0).
pub const DEFAULT_API_VERSION: &str = "2025-12-01";

/// An Azure cloud, or a custom ARM endpoint (an emulator, Azure Stack, a test server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cloud {
    AzureCloud,
    AzureChinaCloud,
    AzureUSGovernment,
    Custom(Url),
}

impl Cloud {
    /// The resource manager endpoint of this cloud.
    pub fn arm_endpoint(&self) -> Url {
        let text = match self {
            Cloud::AzureCloud => "https://management.azure.com/",
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn/",
            Cloud::AzureUSGovernment => "https://management.usgovcloudapi.net/",
            Cloud::Custom(url) => return url.clone(),
        };
        // The three literals above are valid URLs.
        Url::parse(text).unwrap_or_else(|_| unreachable!("static ARM endpoint"))
    }

    /// The OAuth scope for ARM tokens in this cloud. A custom endpoint (an emulator) takes the
    /// public cloud's scope, which is what the emulator and real Azure Stack hubs accept from
    /// `az account get-access-token`.
    pub fn arm_scope(&self) -> String {
        match self {
            Cloud::AzureCloud | Cloud::Custom(_) => "https://management.azure.com/.default".into(),
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn/.default".into(),
            Cloud::AzureUSGovernment => "https://management.usgovcloudapi.net/.default".into(),
        }
    }

    /// The Entra ID authority of this cloud.
    pub fn authority_host(&self) -> &'static str {
        match self {
            Cloud::AzureCloud | Cloud::Custom(_) => "https://login.microsoftonline.com",
            Cloud::AzureChinaCloud => "https://login.chinacloudapi.cn",
            Cloud::AzureUSGovernment => "https://login.microsoftonline.us",
        }
    }

    /// The Studio web UI of this cloud, for links.
    pub fn studio_url(&self) -> &'static str {
        match self {
            Cloud::AzureCloud | Cloud::Custom(_) => "https://ml.azure.com",
            Cloud::AzureChinaCloud => "https://studio.ml.azure.cn",
            Cloud::AzureUSGovernment => "https://ml.azure.us",
        }
    }

    /// The Blob service of a storage account in this cloud (submit.md §7: the cloud's storage
    /// suffix, never a datastore's `endpoint`). A custom endpoint (the emulator) serves blobs
    /// path-style under itself: `{endpoint}/storage/{account}/`.
    pub fn blob_endpoint(&self, account: &str) -> Url {
        let suffix = match self {
            Cloud::AzureCloud => "core.windows.net",
            Cloud::AzureChinaCloud => "core.chinacloudapi.cn",
            Cloud::AzureUSGovernment => "core.usgovcloudapi.net",
            Cloud::Custom(url) => {
                let mut url = url.clone();
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().push("storage").push(account).push("");
                }
                return url;
            }
        };
        // An account name is 3-24 lowercase letters and digits: only those are kept, so the
        // host is always valid (a bad name then fails at DNS, never here).
        let mut host: String = account
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if host.is_empty() {
            host.push_str("invalid");
        }
        Url::parse(&format!("https://{host}.blob.{suffix}/"))
            .unwrap_or_else(|_| unreachable!("alphanumeric host"))
    }

    pub fn name(&self) -> String {
        match self {
            Cloud::AzureCloud => "AzureCloud".into(),
            Cloud::AzureChinaCloud => "AzureChinaCloud".into(),
            Cloud::AzureUSGovernment => "AzureUSGovernment".into(),
            Cloud::Custom(url) => format!("custom ({})", url.as_str().trim_end_matches('/')),
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Cloud {
    type Err = String;

    /// Accepts the Azure CLI cloud names (case-insensitive, with a few common aliases) or an
    /// `http(s)://` URL of a custom ARM endpoint.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "azurecloud" | "public" | "azure" | "azurepubliccloud" => Ok(Cloud::AzureCloud),
            "azurechinacloud" | "china" => Ok(Cloud::AzureChinaCloud),
            "azureusgovernment" | "usgov" | "usgovernment" => Ok(Cloud::AzureUSGovernment),
            _ if lower.starts_with("http://") || lower.starts_with("https://") => {
                let mut url =
                    Url::parse(s.trim()).map_err(|e| format!("invalid endpoint URL {s:?}: {e}"))?;
                if url.host_str().is_none() {
                    return Err(format!("endpoint URL {s:?} has no host"));
                }
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                Ok(Cloud::Custom(url))
            }
            _ => Err(format!(
                "unknown cloud {s:?}: use AzureCloud, AzureChinaCloud, AzureUSGovernment or an https:// ARM endpoint URL"
            )),
        }
    }
}

/// Everything needed to address one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceContext {
    pub cloud: Cloud,
    pub subscription: String,
    pub resource_group: String,
    pub workspace: String,
    pub api_version: String,
}

impl WorkspaceContext {
    pub fn new(
        cloud: Cloud,
        subscription: impl Into<String>,
        resource_group: impl Into<String>,
        workspace: impl Into<String>,
    ) -> Self {
        WorkspaceContext {
            cloud,
            subscription: subscription.into(),
            resource_group: resource_group.into(),
            workspace: workspace.into(),
            api_version: DEFAULT_API_VERSION.into(),
        }
    }

    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`
    pub fn workspace_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            self.subscription, self.resource_group, self.workspace
        )
    }

    /// The ARM id of a compute in this workspace.
    pub fn compute_id(&self, compute: &str) -> String {
        format!("{}/computes/{}", self.workspace_id(), compute)
    }

    /// `/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{location}`
    pub fn location_path(&self, location: &str) -> String {
        format!(
            "/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}",
            self.subscription, location
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_endpoints_per_cloud() {
        assert_eq!(
            Cloud::AzureCloud.blob_endpoint("acct1").as_str(),
            "https://acct1.blob.core.windows.net/"
        );
        assert_eq!(
            Cloud::AzureChinaCloud.blob_endpoint("acct1").as_str(),
            "https://acct1.blob.core.chinacloudapi.cn/"
        );
        assert_eq!(
            Cloud::AzureUSGovernment.blob_endpoint("acct1").as_str(),
            "https://acct1.blob.core.usgovcloudapi.net/"
        );
        let emu: Cloud = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            emu.blob_endpoint("emuacct").as_str(),
            "http://127.0.0.1:8080/storage/emuacct/"
        );
        let prefixed: Cloud = "http://127.0.0.1:8080/arm/".parse().unwrap();
        assert_eq!(
            prefixed.blob_endpoint("a").as_str(),
            "http://127.0.0.1:8080/arm/storage/a/"
        );
        // Never a panic, whatever the datastore says.
        assert_eq!(
            Cloud::AzureCloud.blob_endpoint("a/b?c").as_str(),
            "https://abc.blob.core.windows.net/"
        );
    }
}
