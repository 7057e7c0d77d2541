//! `properties.properties` of a ComputeInstance (API reference §4.2) and its nested shapes:
//! SSH settings, endpoints, applications, schedules, custom services, data disks and mounts,
//! setup scripts. Every field is optional so a request carries only what was set; every struct
//! keeps unknown (preview, future) fields in `extra`. Shapes only; no state logic here.

use super::common::ResourceId;
use super::enums::*;
use super::util::{double_option, has_extra, null_as_default};
use crate::azure::error::ErrorResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// ComputeInstance `properties.properties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeInstanceProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<ResourceId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_sharing_policy: Option<ApplicationSharingPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_settings: Option<SshSettings>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectivity_endpoints: Option<ConnectivityEndpoints>,
    /// Read-only: Jupyter, JupyterLab, VS Code, ...
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub applications: Vec<ComputeInstanceApplication>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<CreatedBy>,
    /// Read-only.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub errors: Vec<ErrorResponse>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ComputeInstanceState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_instance_authorization_type: Option<ComputeInstanceAuthorizationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_compute_instance_settings: Option<PersonalComputeInstanceSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_scripts: Option<SetupScripts>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_operation: Option<LastOperation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedules: Option<Schedules>,
    /// Preview / azure-ai-ml: ISO-8601 duration such as `PT30M`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_time_before_shutdown: Option<String>,
    /// Preview.
    #[serde(rename = "enableSSO", skip_serializing_if = "Option::is_none")]
    pub enable_sso: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_node_public_ip: Option<bool>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub custom_services: Vec<CustomService>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image_metadata: Option<OsImageMetadata>,
    /// Read-only.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub containers: Vec<ComputeInstanceContainer>,
    /// Read-only.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_disks: Vec<DataDisk>,
    /// Read-only.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_mounts: Vec<DataMount>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<ComputeInstanceVersion>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `sshSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SshSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_public_access: Option<SshPublicAccess>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_user_name: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_port: Option<i64>,
    /// An SSH public key (not a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_public_key: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `connectivityEndpoints` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectivityEndpoints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `applications[]` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeInstanceApplication {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `createdBy` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreatedBy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `personalComputeInstanceSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PersonalComputeInstanceSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user: Option<AssignedUser>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `assignedUser`: the AAD user the instance belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AssignedUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `setupScripts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SetupScripts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scripts: Option<ScriptsToExecute>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `setupScripts.scripts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScriptsToExecute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_script: Option<ScriptReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_script: Option<ScriptReference>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One setup script.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScriptReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_arguments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `lastOperation` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LastOperation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<OperationName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_status: Option<OperationStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_trigger: Option<OperationTrigger>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `schedules`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Schedules {
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub compute_start_stop: Vec<ComputeStartStopSchedule>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `schedules.computeStartStop[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeStartStopSchedule {
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<ScheduleProvisioningState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ScheduleStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ComputePowerAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<TriggerType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<Cron>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A recurrence trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Recurrence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<RecurrenceFrequency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<RecurrenceSchedule>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `recurrence.schedule`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecurrenceSchedule {
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hours: Vec<i64>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub minutes: Vec<i64>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub month_days: Vec<i64>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub week_days: Vec<WeekDay>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A cron trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Cron {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `customServices[]` (also the body, as an array, of `updateCustomServices`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomService {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub environment_variables: BTreeMap<String, EnvironmentVariable>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker: Option<Docker>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub endpoints: Vec<Endpoint>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub volumes: Vec<VolumeDefinition>,
    /// Preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<JupyterKernelConfig>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service `image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<ImageType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service environment variable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvironmentVariable {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<EnvironmentVariableType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service `docker`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Docker {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<EndpointProtocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<i64>,
    /// `Some(None)` sends an explicit `null` (as Azure's examples do).
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    pub host_ip: Option<Option<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeDefinition {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<VolumeDefinitionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Volume `bind` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BindOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_host_path: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selinux: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Volume `volume` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nocopy: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Volume `tmpfs` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TmpfsOptions {
    /// Size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Custom service `kernel` (preview).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JupyterKernelConfig {
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub argv: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `osImageMetadata` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OsImageMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_image_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_image_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_latest_os_image_version: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `containers[]` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeInstanceContainer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autosave: Option<Autosave>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<ContainerNetwork>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<ComputeInstanceEnvironmentInfo>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub services: Vec<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Container `environment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeInstanceEnvironmentInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `dataDisks[]` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DataDisk {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caching: Option<Caching>,
    #[serde(rename = "diskSizeGB", skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lun: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_account_type: Option<StorageAccountType>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `dataMounts[]` (also the body, as an array, of `updateDataMounts`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DataMount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<DataMountSourceType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_action: Option<MountAction>,
    /// Preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_mode: Option<MountMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_state: Option<MountState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mounted_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `versions` (read-only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeInstanceVersion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

has_extra!(ComputeInstanceProperties);
