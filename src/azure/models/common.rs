//! ARM envelope types shared by every resource: list pages, `systemData`, managed identity,
//! `sku`, `{id}` references, and the discovery document. Shapes only; no resource logic.

use super::enums::{CreatedByType, ManagedServiceIdentityType, SkuTier};
use super::util::null_as_default;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One page of an ARM list: `{"value":[...],"nextLink":"..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Serialize",
    deserialize = "T: serde::de::DeserializeOwned"
))]
pub struct Page<T> {
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: Vec<T>,
    #[serde(rename = "nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            value: Vec::new(),
            next_link: None,
            extra: Map::new(),
        }
    }
}

impl<T> Page<T> {
    pub fn new(value: Vec<T>, next_link: Option<String>) -> Self {
        Page {
            value,
            next_link,
            extra: Map::new(),
        }
    }
}

/// ARM `systemData`: who created and last changed a resource, and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_type: Option<CreatedByType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by_type: Option<CreatedByType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `identity` of a resource (compute, workspace).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedServiceIdentity {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<ManagedServiceIdentityType>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// ARM id of each user-assigned identity → its ids.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub user_assigned_identities: BTreeMap<String, UserAssignedIdentity>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `identity.userAssignedIdentities` (both ids are read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// ARM `sku`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sku {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<SkuTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A reference to another resource: `{"id": "<ARM id>"}` (subnet, VM image).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceId {
    #[serde(default)]
    pub id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResourceId {
    pub fn new(id: impl Into<String>) -> Self {
        ResourceId {
            id: id.into(),
            extra: Map::new(),
        }
    }
}

/// The workspace's discovery document: a flat map of service name → base URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DiscoveryDocument(pub Map<String, Value>);

impl DiscoveryDocument {
    /// The entry `key` when it is a string.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// The data-plane base (`api`), e.g. `https://eastus.api.azureml.ms`.
    pub fn api(&self) -> Option<&str> {
        self.get("api")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_reads_value_and_next_link() {
        let page: Page<Value> =
            serde_json::from_value(json!({"value": [1, 2], "nextLink": "n", "odata": true}))
                .unwrap();
        assert_eq!(page.value.len(), 2);
        assert_eq!(page.next_link.as_deref(), Some("n"));
        assert_eq!(page.extra.get("odata"), Some(&json!(true)));
        let empty: Page<Value> = serde_json::from_value(json!({"value": null})).unwrap();
        assert!(empty.value.is_empty() && empty.next_link.is_none());
    }

    #[test]
    fn discovery_document_api() {
        let doc: DiscoveryDocument = serde_json::from_value(
            json!({"api": "https://eastus.api.azureml.ms", "history": "https://h", "n": 1}),
        )
        .unwrap();
        assert_eq!(doc.api(), Some("https://eastus.api.azureml.ms"));
        assert_eq!(doc.get("n"), None);
        assert_eq!(DiscoveryDocument::default().api(), None);
    }
}
