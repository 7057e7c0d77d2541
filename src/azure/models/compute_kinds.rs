//! `properties.properties` of the compute types other than ComputeInstance (API reference §4.3
//! and §4.4): AmlCompute clusters, AKS, Kubernetes, VirtualMachine, HDInsight, Databricks, Data
//! Lake Analytics and Synapse Spark, with their nested shapes. Secret fields are [`Secret`]s.
//! Shapes only; which type a compute is, and display helpers, live in `compute.rs`.

use super::common::ResourceId;
use super::enums::*;
use super::secret::Secret;
use super::util::{double_option, has_extra, null_as_default};
use crate::azure::error::ErrorResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// AmlCompute (cluster) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AmlComputeProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_priority: Option<VmPriority>,
    /// Windows custom image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_image: Option<ResourceId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolated_network: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_settings: Option<ScaleSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_account_credentials: Option<UserAccountCredentials>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<ResourceId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_login_port_public_access: Option<RemoteLoginPortPublicAccess>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_state: Option<AllocationState>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_state_transition_time: Option<String>,
    /// Read-only: node setup errors.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub errors: Vec<ErrorResponse>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_node_count: Option<i64>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_node_count: Option<i64>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_state_counts: Option<NodeStateCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_node_public_ip: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_bag: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Cluster `scaleSettings` (also sent by the PATCH of §3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleSettings {
    /// Required on the wire.
    pub max_node_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_node_count: Option<i64>,
    /// ISO-8601 duration, e.g. `PT5M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_idle_time_before_scale_down: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScaleSettings {
    pub fn new(
        min_node_count: i64,
        max_node_count: i64,
        idle_before_scale_down: Option<String>,
    ) -> Self {
        ScaleSettings {
            max_node_count,
            min_node_count: Some(min_node_count),
            node_idle_time_before_scale_down: idle_before_scale_down,
            extra: Map::new(),
        }
    }
}

/// Cluster `nodeStateCounts` (read-only; absent counts read as 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeStateCounts {
    #[serde(deserialize_with = "null_as_default")]
    pub idle_node_count: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub running_node_count: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub preparing_node_count: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub unusable_node_count: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub leaving_node_count: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub preempted_node_count: i64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NodeStateCounts {
    /// Sum of all counts.
    pub fn total(&self) -> i64 {
        self.idle_node_count
            + self.running_node_count
            + self.preparing_node_count
            + self.unusable_node_count
            + self.leaving_node_count
            + self.preempted_node_count
    }
}

/// Cluster `userAccountCredentials`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAccountCredentials {
    #[serde(default)]
    pub admin_user_name: String,
    /// An SSH public key (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_user_ssh_public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_user_password: Option<Secret>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// AKS `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AksProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_fqdn: Option<String>,
    /// Read-only.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub system_services: Vec<SystemService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_purpose: Option<ClusterPurpose>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_configuration: Option<SslConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aks_networking_configuration: Option<AksNetworkingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_type: Option<LoadBalancerType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_subnet: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// AKS `systemServices[]` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SystemService {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_service_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// AKS `sslConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SslConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SslStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// The certificate's private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_domain_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overwrite_existing_domain: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// AKS `aksNetworkingConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AksNetworkingConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
    #[serde(rename = "dnsServiceIP", skip_serializing_if = "Option::is_none")]
    pub dns_service_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_bridge_cidr: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Kubernetes (attached Arc/AKS) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubernetesProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_connection_string: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_bus_connection_string: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_instance_release_train: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vc_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_instance_type: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub instance_types: BTreeMap<String, InstanceType>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of Kubernetes `instanceTypes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceType {
    /// `Some(None)` sends an explicit `null` (as Azure's examples do).
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    pub node_selector: Option<Option<BTreeMap<String, String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<InstanceResources>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Instance type `resources`: Kubernetes quantities by resource name (`cpu`, `memory`,
/// `nvidia.com/gpu`); a quantity may be `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// VirtualMachine (attached) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VirtualMachineProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notebook_server_port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrator_account: Option<VirtualMachineSshCredentials>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_notebook_instance_compute: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `administratorAccount` of a VM or HDInsight compute (also in `listKeys`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VirtualMachineSshCredentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// An SSH public key (not a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_data: Option<Secret>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// HDInsight (attached) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HdInsightProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrator_account: Option<VirtualMachineSshCredentials>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Databricks (attached) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DatabricksProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub databricks_access_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_url: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// DataLakeAnalytics (attached) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DataLakeAnalyticsProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_lake_store_account_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// SynapseSpark (attached pool) `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SynapseSparkProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_properties: Option<AutoScaleProperties>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_pause_properties: Option<AutoPauseProperties>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_size_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Synapse `autoScaleProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutoScaleProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_node_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_node_count: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Synapse `autoPauseProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutoPauseProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

has_extra!(
    AmlComputeProperties,
    AksProperties,
    KubernetesProperties,
    VirtualMachineProperties,
    HdInsightProperties,
    DatabricksProperties,
    DataLakeAnalyticsProperties,
    SynapseSparkProperties,
);
