//! Bodies of the compute operations other than get/put (API reference §3): the nodes page of
//! `listNodes`, the secrets of `listKeys`, the PATCH body of a cluster resize, the preview
//! idle-shutdown and resize bodies. `ComputeSecrets` never shows a secret in `Debug`.

use super::compute_kinds::ScaleSettings;
use super::compute_kinds::VirtualMachineSshCredentials;
use super::enums::{ComputeType, NodeState};
use super::secret::{Secret, redact_json};
use super::util::{null_as_default, take_field};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// One page of `listNodes`: `{"nodes":[...],"nextLink":"..."}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodesPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub nodes: Vec<AmlComputeNodeInformation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One cluster node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AmlComputeNodeInformation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<String>,
    /// SSH port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_state: Option<NodeState>,
    /// The run on the node, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `listKeys`, by `computeType`. Secrets are [`Secret`]s; `Debug` masks every
/// secret, including those inside `extra` and `Other`.
#[derive(Clone, PartialEq)]
pub enum ComputeSecrets {
    Aks {
        user_kube_config: Option<Secret>,
        admin_kube_config: Option<Secret>,
        image_pull_secret_name: Option<String>,
        extra: Map<String, Value>,
    },
    VirtualMachine {
        administrator_account: Option<VirtualMachineSshCredentials>,
        extra: Map<String, Value>,
    },
    Databricks {
        databricks_access_token: Option<Secret>,
        extra: Map<String, Value>,
    },
    /// Another (or unreadable) shape, as received.
    Other(Value),
}

impl ComputeSecrets {
    /// The `computeType` of the secrets (`Other` reads it from the JSON).
    pub fn compute_type(&self) -> ComputeType {
        match self {
            Self::Aks { .. } => ComputeType::Aks,
            Self::VirtualMachine { .. } => ComputeType::VirtualMachine,
            Self::Databricks { .. } => ComputeType::Databricks,
            Self::Other(value) => ComputeType::from(
                value
                    .get("computeType")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ),
        }
    }

    /// The JSON of the secrets with every secret value masked, for display.
    pub fn redacted(&self) -> Value {
        redact_json(&serde_json::to_value(self).unwrap_or(Value::Null))
    }

    fn from_value(value: Value) -> Self {
        let Value::Object(original) = &value else {
            return Self::Other(value);
        };
        let mut map = original.clone();
        let mut warnings = Vec::new();
        let w = &mut warnings;
        let compute_type: Option<ComputeType> = take_field(&mut map, "computeType", w);
        let parsed = match compute_type {
            Some(ComputeType::Aks) => {
                let user_kube_config = take_field(&mut map, "userKubeConfig", w);
                let admin_kube_config = take_field(&mut map, "adminKubeConfig", w);
                let image_pull_secret_name = take_field(&mut map, "imagePullSecretName", w);
                Self::Aks {
                    user_kube_config,
                    admin_kube_config,
                    image_pull_secret_name,
                    extra: map,
                }
            }
            Some(ComputeType::VirtualMachine) => {
                let administrator_account = take_field(&mut map, "administratorAccount", w);
                Self::VirtualMachine {
                    administrator_account,
                    extra: map,
                }
            }
            Some(ComputeType::Databricks) => {
                let databricks_access_token = take_field(&mut map, "databricksAccessToken", w);
                Self::Databricks {
                    databricks_access_token,
                    extra: map,
                }
            }
            _ => return Self::Other(value),
        };
        if warnings.is_empty() {
            parsed
        } else {
            // A field of an unexpected shape: keep everything as received rather than half.
            Self::Other(value)
        }
    }
}

impl Serialize for ComputeSecrets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn put<T: Serialize>(map: &mut Map<String, Value>, key: &str, value: &Option<T>) {
            if let Some(value) = value
                && let Ok(json) = serde_json::to_value(value)
            {
                map.insert(key.to_owned(), json);
            }
        }
        let mut map = Map::new();
        let extra = match self {
            Self::Other(value) => return value.serialize(serializer),
            Self::Aks {
                user_kube_config,
                admin_kube_config,
                image_pull_secret_name,
                extra,
            } => {
                map.insert("computeType".into(), Value::from("AKS"));
                put(&mut map, "userKubeConfig", user_kube_config);
                put(&mut map, "adminKubeConfig", admin_kube_config);
                put(&mut map, "imagePullSecretName", image_pull_secret_name);
                extra
            }
            Self::VirtualMachine {
                administrator_account,
                extra,
            } => {
                map.insert("computeType".into(), Value::from("VirtualMachine"));
                put(&mut map, "administratorAccount", administrator_account);
                extra
            }
            Self::Databricks {
                databricks_access_token,
                extra,
            } => {
                map.insert("computeType".into(), Value::from("Databricks"));
                put(&mut map, "databricksAccessToken", databricks_access_token);
                extra
            }
        };
        for (key, value) in extra {
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ComputeSecrets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from_value(Value::deserialize(deserializer)?))
    }
}

impl fmt::Debug for ComputeSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ComputeSecrets({})", self.redacted())
    }
}

/// The PATCH body of a cluster update: `{"properties":{"properties":{"scaleSettings":{…}}}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterUpdate {
    pub properties: ClusterUpdateProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ClusterUpdate.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterUpdateProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<ScaleSettingsInformation>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ClusterUpdate.properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScaleSettingsInformation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_settings: Option<ScaleSettings>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ClusterUpdate {
    /// The body that sets a cluster's scale settings.
    pub fn scale(scale_settings: ScaleSettings) -> Self {
        ClusterUpdate {
            properties: ClusterUpdateProperties {
                properties: Some(ScaleSettingsInformation {
                    scale_settings: Some(scale_settings),
                    extra: Map::new(),
                }),
                extra: Map::new(),
            },
            extra: Map::new(),
        }
    }
}

/// Body of the preview `updateIdleShutdownSetting`: `{"idleTimeBeforeShutdown":"PT30M"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IdleShutdownSetting {
    /// ISO-8601 duration between 15 minutes and 3 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_time_before_shutdown: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdleShutdownSetting {
    pub fn new(idle_time_before_shutdown: impl Into<String>) -> Self {
        IdleShutdownSetting {
            idle_time_before_shutdown: Some(idle_time_before_shutdown.into()),
            extra: Map::new(),
        }
    }
}

/// Body of the preview `resize`: `{"targetVMSize":"Standard_DS11_v2"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResizeSchema {
    #[serde(rename = "targetVMSize", skip_serializing_if = "Option::is_none")]
    pub target_vm_size: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResizeSchema {
    pub fn new(target_vm_size: impl Into<String>) -> Self {
        ResizeSchema {
            target_vm_size: Some(target_vm_size.into()),
            extra: Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_debug_masks_everything() {
        let secrets: ComputeSecrets = serde_json::from_value(json!({
            "computeType": "VirtualMachine",
            "administratorAccount": {"username": "u", "password": "hunter2", "privateKeyData": "PRIV"},
            "futureToken": "tok123"
        }))
        .unwrap();
        let debug = format!("{secrets:?}");
        for leaked in ["hunter2", "PRIV", "tok123"] {
            assert!(!debug.contains(leaked), "{debug}");
        }
        assert!(debug.contains("\"u\""));
        match &secrets {
            ComputeSecrets::VirtualMachine {
                administrator_account: Some(a),
                extra,
            } => {
                assert_eq!(a.password.as_ref().map(Secret::expose), Some("hunter2"));
                assert_eq!(extra.get("futureToken"), Some(&json!("tok123")));
            }
            other => panic!("unexpected {other:?}"),
        }
        // Serialization gives the real values back (the wire needs them).
        assert_eq!(
            serde_json::to_value(&secrets).unwrap()["administratorAccount"]["password"],
            "hunter2"
        );
    }

    #[test]
    fn unknown_secrets_are_kept_and_masked() {
        let value = json!({"computeType": "Quantum", "quantumKey": "qk", "password": "pw"});
        let secrets: ComputeSecrets = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(secrets, ComputeSecrets::Other(value.clone()));
        assert_eq!(secrets.compute_type().as_str(), "Quantum");
        assert!(!format!("{secrets:?}").contains("\"pw\""));
        assert_eq!(serde_json::to_value(&secrets).unwrap(), value);
        let databricks: ComputeSecrets = serde_json::from_value(
            json!({"computeType": "databricks", "databricksAccessToken": "dapi1"}),
        )
        .unwrap();
        assert!(!format!("{databricks:?}").contains("dapi1"));
        assert_eq!(databricks.compute_type(), ComputeType::Databricks);
    }

    #[test]
    fn cluster_update_shape() {
        let body = ClusterUpdate::scale(ScaleSettings::new(0, 3, Some("PT2M".into())));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"properties":{"properties":{"scaleSettings":
                {"maxNodeCount":3,"minNodeCount":0,"nodeIdleTimeBeforeScaleDown":"PT2M"}}}})
        );
        assert_eq!(
            serde_json::to_value(ResizeSchema::new("Standard_DS11_v2")).unwrap(),
            json!({"targetVMSize":"Standard_DS11_v2"})
        );
    }
}
