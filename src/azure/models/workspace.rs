//! The workspace resource (API reference §2): what amlc reads from it (discovery URL, MLflow
//! URI, ids, state, names, linked resources). Reading never fails because of a field of an
//! unexpected shape (it is kept in `extra` and a warning recorded); `raw` keeps the resource as
//! received. No I/O here.

use super::common::{ManagedServiceIdentity, Sku, SystemData};
use super::enums::{ProvisioningState, PublicNetworkAccess, WorkspaceKind};
use super::secret::redact_json;
use super::util::{has_extra, null_as_default, take_field, take_properties};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// An Azure ML workspace.
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<WorkspaceKind>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_data: Option<SystemData>,
    pub properties: WorkspaceProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The whole resource JSON as received. Never serialized.
    #[serde(skip)]
    pub raw: Value,
    /// Fields set aside as unreadable (`path: reason`). Never serialized.
    #[serde(skip)]
    pub parse_warnings: Vec<String>,
}

/// Workspace `properties` (the fields amlc uses; the rest stays in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkspaceProperties {
    /// Regional discovery document URL (run history is found through it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ml_flow_tracking_uri: Option<String>,
    /// Read-only: the workspace GUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<ProvisioningState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_vault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_insights: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_registry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_build_compute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<PublicNetworkAccess>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hbi_workspace: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_public_access_when_behind_vnet: Option<bool>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_provisioned_resource_group: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_link_count: Option<i64>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_network: Option<Value>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub private_endpoint_connections: Vec<Value>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notebook_info: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

has_extra!(WorkspaceProperties);

impl Workspace {
    /// Reads a workspace; never fails. `raw` keeps `value`.
    pub fn from_value(value: Value) -> Self {
        let mut workspace = Workspace::default();
        let mut warnings = Vec::new();
        match &value {
            Value::Object(map) => {
                let mut map = map.clone();
                let w = &mut warnings;
                workspace.id = take_field(&mut map, "id", w);
                workspace.name = take_field(&mut map, "name", w);
                workspace.type_ = take_field(&mut map, "type", w);
                workspace.location = take_field(&mut map, "location", w);
                workspace.kind = take_field(&mut map, "kind", w);
                workspace.tags = take_field(&mut map, "tags", w).unwrap_or_default();
                workspace.sku = take_field(&mut map, "sku", w);
                workspace.identity = take_field(&mut map, "identity", w);
                workspace.system_data = take_field(&mut map, "systemData", w);
                workspace.properties = take_properties(&mut map, w);
                workspace.extra = map;
            }
            _ => warnings.push("workspace is not a JSON object".to_owned()),
        }
        workspace.parse_warnings = warnings;
        workspace.raw = value;
        workspace
    }

    /// The friendly name when set, else the resource name.
    pub fn display_name(&self) -> Option<&str> {
        self.properties
            .friendly_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.name.as_deref())
    }
}

impl<'de> Deserialize<'de> for Workspace {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Workspace::from_value(Value::deserialize(deserializer)?))
    }
}

impl fmt::Debug for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("location", &self.location)
            .field("kind", &self.kind)
            .field("properties", &self.properties)
            .field("raw", &redact_json(&self.raw))
            .field("parse_warnings", &self.parse_warnings)
            .finish_non_exhaustive()
    }
}
