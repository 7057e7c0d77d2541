//! Workspace assets a submission needs (submit.md §1, §4–§7): code versions (lookup by content
//! hash, get, `startPendingUpload`, PUT), environment versions (`@latest`, the anonymous version
//! PUT of an inline environment, the containers for pickers), the default blob datastore and its
//! SAS, and the raw job PUT. Typed models, tolerant of fields they do not know; the request
//! bodies are built by pure functions ([`code_version_body`], …) so the contract tests compare
//! them with the recorded examples.
//!
//! Must not: upload blobs (`blob.rs` does), decide the submission's order (`submit::flow`
//! does), or show a SAS URI or a datastore key (their `Debug` is masked; errors name paths only).

use super::client::AmlClient;
use super::error::{AzureError, Result};
use super::http::Request;
use super::models::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// The hash version the SDK sends with a content hash (submit.md §3.1).
pub const HASH_VERSION: u32 = 202_208;

/// The default blob datastore of every workspace (the name the SDK hard-codes, §7).
pub const WORKSPACE_BLOBSTORE: &str = "workspaceblobstore";

/// A code version (`{WS}/codes/{name}/versions/{version}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeVersion {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: CodeVersionProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeVersionProperties {
    pub code_uri: Option<String>,
    pub is_anonymous: Option<bool>,
    pub description: Option<String>,
    /// `hash_sha256`, `hash_version` (a number on the wire, although typed as strings) …
    pub properties: Option<serde_json::Map<String, Value>>,
}

impl CodeVersion {
    /// `(name, version)` read from the id as the SDK does (`/codes/([^/]+)/versions/([^/]+)`).
    pub fn name_version(&self) -> Option<(String, String)> {
        let id = self.id.as_deref()?;
        let at = id.find("/codes/")?;
        let rest = &id[at + "/codes/".len()..];
        let (name, rest) = rest.split_once('/')?;
        let version = rest.strip_prefix("versions/")?;
        let version = version.split('/').next()?;
        (!name.is_empty() && !version.is_empty()).then(|| (name.to_string(), version.to_string()))
    }
}

/// The answer of `startPendingUpload` (submit.md §4.2).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PendingUpload {
    pub blob_reference_for_consumption: BlobReference,
    pub pending_upload_id: Option<String>,
    pub pending_upload_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlobReference {
    pub blob_uri: Option<String>,
    pub storage_account_arm_id: Option<String>,
    pub credential: PendingCredential,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PendingCredential {
    pub credential_type: Option<String>,
    /// The container URL with its SAS query: a secret (masked in `Debug`).
    pub sas_uri: Option<Secret>,
}

/// An environment version.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvironmentVersion {
    pub id: Option<String>,
    /// The version (a version resource's name is its version).
    pub name: Option<String>,
    pub properties: EnvironmentVersionProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvironmentVersionProperties {
    pub image: Option<String>,
    pub conda_file: Option<String>,
    pub build: Option<Value>,
    pub is_anonymous: Option<bool>,
    pub environment_type: Option<String>,
    pub description: Option<String>,
}

/// An environment for a picker: its name, latest version and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSummary {
    pub name: String,
    pub latest_version: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EnvironmentContainer {
    name: Option<String>,
    properties: EnvironmentContainerProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EnvironmentContainerProperties {
    description: Option<String>,
    latest_version: Option<String>,
    is_archived: Option<bool>,
}

/// A datastore (only what the upload path reads, §7).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Datastore {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: DatastoreProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatastoreProperties {
    pub datastore_type: Option<String>,
    pub account_name: Option<String>,
    pub container_name: Option<String>,
    /// For `AzureDataLakeGen2`.
    pub filesystem: Option<String>,
    pub endpoint: Option<String>,
    pub is_default: Option<bool>,
    pub credentials: Option<DatastoreCredentials>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatastoreCredentials {
    pub credentials_type: Option<String>,
}

impl Datastore {
    /// `(account, container)` of a blob datastore; an error names what is missing.
    pub fn blob_location(&self) -> Result<(String, String)> {
        let p = &self.properties;
        let name = self.name.as_deref().unwrap_or(WORKSPACE_BLOBSTORE);
        match p.datastore_type.as_deref() {
            Some("AzureBlob") | Some("AzureDataLakeGen2") | None => {}
            Some(other) => {
                return Err(AzureError::Invalid(format!(
                    "datastore {name} is of type {other}: only AzureBlob and AzureDataLakeGen2 take uploads"
                )));
            }
        }
        let account = p.account_name.clone().filter(|s| !s.is_empty());
        let container = p
            .container_name
            .clone()
            .or_else(|| p.filesystem.clone())
            .filter(|s| !s.is_empty());
        match (account, container) {
            (Some(a), Some(c)) => Ok((a, c)),
            _ => Err(AzureError::Invalid(format!(
                "datastore {name} names no storage account or container"
            ))),
        }
    }
}

/// The secrets of a datastore (`listSecrets`): a SAS token or an account key, both masked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatastoreSecrets {
    pub secrets_type: Option<String>,
    pub sas_token: Option<Secret>,
    pub key: Option<Secret>,
}

// ---- request bodies (pure; the contract tests compare them with the examples) ----

/// `startPendingUpload` (§1 #2).
pub fn start_pending_upload_body() -> Value {
    json!({"pendingUploadType": "TemporaryBlobReference"})
}

/// The code version PUT (§4.5): `hash_version` is a JSON number.
pub fn code_version_body(code_uri: &str, hash: &str, anonymous: bool) -> Value {
    json!({"properties": {
        "codeUri": code_uri,
        "isAnonymous": anonymous,
        "properties": {"hash_sha256": hash, "hash_version": HASH_VERSION},
    }})
}

/// The anonymous environment PUT of an inline image (+ conda file) (§6).
pub fn anonymous_environment_body(image: &str, conda_yaml: Option<&str>) -> Value {
    let mut p = serde_json::Map::new();
    if let Some(c) = conda_yaml {
        p.insert("condaFile".into(), json!(c));
    }
    p.insert("image".into(), json!(image));
    p.insert("isAnonymous".into(), json!(true));
    p.insert("isArchived".into(), json!(false));
    json!({ "properties": Value::Object(p) })
}

/// The anonymous environment PUT of a Docker build context (§6).
pub fn build_environment_body(context_uri: &str, dockerfile_path: Option<&str>) -> Value {
    let mut build = serde_json::Map::new();
    build.insert("contextUri".into(), json!(context_uri));
    if let Some(d) = dockerfile_path {
        build.insert("dockerfilePath".into(), json!(d));
    }
    json!({"properties": {"build": Value::Object(build), "isAnonymous": true, "isArchived": false}})
}

/// The `listSecrets` body the SDK sends (§7 #2).
pub fn list_secrets_body() -> Value {
    json!({"expirableSecret": true, "expireAfterHours": 1})
}

/// A job name the service takes: letters, digits, `-` and `_`, 1 to 255 characters.
pub fn check_job_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 255
        || name
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(AzureError::Invalid(format!(
            "job name {name:?} may hold only letters, digits, '-' and '_' (1 to 255 characters)"
        )));
    }
    Ok(())
}

/// The environments of one page of `GET {WS}/environments` for a picker: anonymous and
/// archived ones left out, items that do not read skipped.
pub fn environment_summaries(page: &Value) -> Vec<EnvironmentSummary> {
    let items = page
        .get("value")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    items
        .into_iter()
        .filter_map(|v| serde_json::from_value::<EnvironmentContainer>(v).ok())
        .filter_map(|c| {
            let name = c.name?;
            if name == crate::submit::job_yaml::ANONYMOUS_ENVIRONMENT
                || c.properties.is_archived == Some(true)
            {
                return None;
            }
            Some(EnvironmentSummary {
                name,
                latest_version: c.properties.latest_version,
                description: c.properties.description,
            })
        })
        .collect()
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| AzureError::Decode {
        method: "GET".into(),
        url: what.into(),
        message: e.to_string(),
    })
}

impl AmlClient {
    /// A code version with this content hash, whatever its name (§4.1): the SDK's query on a
    /// fresh random name, `value[0]`.
    pub async fn find_code_by_hash(&self, hash: &str) -> Result<Option<CodeVersion>> {
        let anon = uuid::Uuid::new_v4().to_string();
        let version = HASH_VERSION.to_string();
        let url = self.ws_url(
            &["codes", &anon, "versions"],
            &[("hash", hash), ("hashVersion", &version)],
        )?;
        let page: Value = self.pipeline.send_json(Request::get(url)).await?;
        let first = page
            .get("value")
            .and_then(|v| v.as_array())
            .and_then(|v| v.first())
            .cloned();
        first.map(|v| decode(v, "code versions")).transpose()
    }

    pub async fn get_code_version(&self, name: &str, version: &str) -> Result<CodeVersion> {
        let url = self.ws_url(&["codes", name, "versions", version], &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }

    /// `POST …/codes/{name}/versions/{version}/startPendingUpload` (§4.2).
    pub async fn start_pending_upload(&self, name: &str, version: &str) -> Result<PendingUpload> {
        let url = self.ws_url(
            &["codes", name, "versions", version, "startPendingUpload"],
            &[],
        )?;
        self.pipeline
            .send_json(Request::new(Method::POST, url).json(start_pending_upload_body()))
            .await
    }

    /// The code version PUT (§4.5); an answer without `id` is followed by a GET, as the SDK.
    pub async fn put_code_version(
        &self,
        name: &str,
        version: &str,
        code_uri: &str,
        hash: &str,
    ) -> Result<CodeVersion> {
        let url = self.ws_url(&["codes", name, "versions", version], &[])?;
        let answer = self
            .pipeline
            .send(Request::new(Method::PUT, url).json(code_version_body(code_uri, hash, true)))
            .await?;
        let code: Option<CodeVersion> = answer
            .json_opt()?
            .map(|v| decode(v, "code version"))
            .transpose()?;
        match code {
            Some(c) if c.id.as_deref().is_some_and(|s| !s.is_empty()) => Ok(c),
            _ => self.get_code_version(name, version).await,
        }
    }

    /// The newest version of a registered environment (`name@latest`, §6).
    pub async fn latest_environment_version(&self, name: &str) -> Result<EnvironmentVersion> {
        let url = self.ws_url(
            &["environments", name, "versions"],
            &[("$orderBy", "createdtime desc"), ("$top", "1")],
        )?;
        let page: Value = self.pipeline.send_json(Request::get(url)).await?;
        let first = page
            .get("value")
            .and_then(|v| v.as_array())
            .and_then(|v| v.first())
            .cloned();
        match first {
            Some(v) => decode(v, "environment versions"),
            None => Err(AzureError::Invalid(format!(
                "environment {name} has no version in workspace {}",
                self.ctx.workspace
            ))),
        }
    }

    /// PUT of an environment version with `body` (anonymous versions are PUT on every
    /// submission; an identical body is accepted again).
    pub async fn put_environment_version(
        &self,
        name: &str,
        version: &str,
        body: Value,
    ) -> Result<EnvironmentVersion> {
        let url = self.ws_url(&["environments", name, "versions", version], &[])?;
        self.pipeline
            .send_json(Request::new(Method::PUT, url).json(body))
            .await
    }

    /// The anonymous environment version of an inline image (+ conda file) (§6).
    pub async fn put_anonymous_environment(
        &self,
        version: &str,
        image: &str,
        conda_yaml: Option<&str>,
    ) -> Result<EnvironmentVersion> {
        self.put_environment_version(
            crate::submit::job_yaml::ANONYMOUS_ENVIRONMENT,
            version,
            anonymous_environment_body(image, conda_yaml),
        )
        .await
    }

    /// The workspace's environments for a picker, by name (anonymous and archived ones left
    /// out, as the Studio does).
    pub async fn list_environments(&self) -> Result<Vec<EnvironmentSummary>> {
        let url = self.ws_url(&["environments"], &[])?;
        let mut out = self
            .pipeline
            .collect_pages(url, &self.ctx.api_version, |page| {
                Ok(environment_summaries(&page))
            })
            .await?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub async fn get_datastore(&self, name: &str) -> Result<Datastore> {
        let url = self.ws_url(&["datastores", name], &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }

    /// `POST …/datastores/{name}/listSecrets` with the SDK's body (§7 #2).
    pub async fn datastore_secrets(&self, name: &str) -> Result<DatastoreSecrets> {
        let url = self.ws_url(&["datastores", name, "listSecrets"], &[])?;
        self.pipeline
            .send_json(Request::new(Method::POST, url).json(list_secrets_body()))
            .await
    }

    /// The SAS token of a datastore (`listSecrets`); one holding an account key (or nothing)
    /// is refused with its reason.
    pub async fn datastore_sas(&self, name: &str) -> Result<Secret> {
        let secrets = self.datastore_secrets(name).await?;
        match secrets.sas_token {
            Some(t) if !t.expose().is_empty() => Ok(t),
            _ => Err(AzureError::Unsupported {
                operation: format!("uploading to datastore {name}"),
                detail: format!(
                    "its secrets are of type {} and amlc uploads with a SAS token only",
                    secrets.secrets_type.as_deref().unwrap_or("none")
                ),
            }),
        }
    }

    /// `PUT {WS}/jobs/{name}` with a body built by `JobSpec::to_body`; the job as answered.
    pub async fn create_job_raw(&self, name: &str, body: Value) -> Result<Value> {
        check_job_name(name)?;
        let url = self.ws_url(&["jobs", name], &[])?;
        self.pipeline
            .send_json(Request::new(Method::PUT, url).json(body))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_id_is_read_as_the_sdk_does() {
        let c = CodeVersion {
            id: Some("/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/codes/abc-1/versions/1".into()),
            ..CodeVersion::default()
        };
        assert_eq!(c.name_version(), Some(("abc-1".into(), "1".into())));
        let bad = CodeVersion {
            id: Some("/x/codes/abc".into()),
            ..CodeVersion::default()
        };
        assert_eq!(bad.name_version(), None);
    }

    #[test]
    fn bodies_are_the_sdks() {
        assert_eq!(
            serde_json::to_string(&code_version_body(
                "https://h/c/LocalUpload/g/src",
                "ab",
                true
            ))
            .unwrap(),
            r#"{"properties":{"codeUri":"https://h/c/LocalUpload/g/src","isAnonymous":true,"properties":{"hash_sha256":"ab","hash_version":202208}}}"#
        );
        assert_eq!(
            serde_json::to_string(&anonymous_environment_body("img:1", Some("name: e\n"))).unwrap(),
            r#"{"properties":{"condaFile":"name: e\n","image":"img:1","isAnonymous":true,"isArchived":false}}"#
        );
        assert_eq!(
            serde_json::to_string(&build_environment_body(
                "https://a/c/LocalUpload/h/ctx/",
                None
            ))
            .unwrap(),
            r#"{"properties":{"build":{"contextUri":"https://a/c/LocalUpload/h/ctx/"},"isAnonymous":true,"isArchived":false}}"#
        );
    }

    #[test]
    fn secrets_are_masked_in_debug() {
        let p: PendingUpload = serde_json::from_value(json!({
            "blobReferenceForConsumption": {"blobUri": "https://h/c/x",
                "credential": {"credentialType": "SAS", "sasUri": "https://h/c/x?sig=TOPSECRET"}},
            "pendingUploadId": "u", "extra": 1
        }))
        .unwrap();
        assert!(!format!("{p:?}").contains("TOPSECRET"));
        let s: DatastoreSecrets =
            serde_json::from_value(json!({"secretsType": "Sas", "sasToken": "sv=1&sig=TOPSECRET"}))
                .unwrap();
        assert!(!format!("{s:?}").contains("TOPSECRET"));
    }
}
