//! The compute resource (API reference §4): [`ComputeResource`] (ARM envelope), [`Compute`]
//! (the common `properties` of §4.1) and [`ComputeProperties`] (the type-specific part, one
//! variant per `computeType`). Reading a compute never fails because of what is inside it: an
//! unknown type is kept as JSON, a field of an unexpected shape is set aside verbatim (and a
//! warning recorded), and `raw` always holds the resource as received. Also the read-only
//! helpers the UI needs (type name, state to show, VM size, errors). No I/O here.

use super::common::{ManagedServiceIdentity, Sku, SystemData};
use super::compute_kinds::*;
use super::enums::{AllocationState, ComputeType, ProvisioningState};
use super::instance::ComputeInstanceProperties;
use super::secret::redact_json;
use super::util::{HasExtra, salvage, take_field};
use crate::azure::error::{ErrorDetail, ErrorResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A compute target: `{id,name,type,location,tags,sku,identity,systemData,properties}`.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Microsoft.MachineLearningServices/workspaces/computes`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedServiceIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_data: Option<SystemData>,
    pub properties: Compute,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The whole resource JSON as received (`Null` for one built in code). Never serialized.
    #[serde(skip)]
    pub raw: Value,
    /// Fields that could not be read into their typed place (kept verbatim in an `extra` map),
    /// as `path: reason`. Empty for a well-formed resource. Never serialized.
    #[serde(skip)]
    pub parse_warnings: Vec<String>,
}

/// The common `properties` of every compute type (§4.1) and the type-specific part.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compute {
    #[serde(skip_serializing_if = "type_missing")]
    pub compute_type: ComputeType,
    /// Create-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_location: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<ProvisioningState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Read-only, date-time text as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_on: Option<String>,
    /// Read-only, date-time text as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_on: Option<String>,
    /// ARM id of the underlying resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provisioning_errors: Vec<ErrorResponse>,
    /// Read-only: true when the compute was brought in (attached) rather than created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_attached_compute: Option<bool>,
    /// Create-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_local_auth: Option<bool>,
    #[serde(skip_serializing_if = "ComputeProperties::is_absent")]
    pub properties: ComputeProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn type_missing(compute_type: &ComputeType) -> bool {
    matches!(compute_type, ComputeType::Other(text) if text.is_empty())
}

/// The type-specific `properties.properties` of a compute.
#[derive(Clone, PartialEq, Default)]
// Computes are few (hundreds at most); boxing every variant would only burden construction.
#[allow(clippy::large_enum_variant)]
pub enum ComputeProperties {
    /// Absent (or `null`).
    #[default]
    None,
    ComputeInstance(ComputeInstanceProperties),
    AmlCompute(AmlComputeProperties),
    Aks(AksProperties),
    Kubernetes(KubernetesProperties),
    VirtualMachine(VirtualMachineProperties),
    HdInsight(HdInsightProperties),
    Databricks(DatabricksProperties),
    DataLakeAnalytics(DataLakeAnalyticsProperties),
    SynapseSpark(SynapseSparkProperties),
    /// DataFactory has no type-specific properties.
    DataFactory,
    /// Properties of a compute type this version does not know (or unexpected ones on a
    /// DataFactory), kept as received.
    Other(Value),
    /// Properties of a known type that could not be read at all (not an object, say).
    Unparsed {
        value: Value,
        error: String,
    },
}

impl ComputeProperties {
    /// The `computeType` this variant stands for (`None` for `None`/`Other`/`Unparsed`).
    pub fn compute_type(&self) -> Option<ComputeType> {
        Some(match self {
            Self::ComputeInstance(_) => ComputeType::ComputeInstance,
            Self::AmlCompute(_) => ComputeType::AmlCompute,
            Self::Aks(_) => ComputeType::Aks,
            Self::Kubernetes(_) => ComputeType::Kubernetes,
            Self::VirtualMachine(_) => ComputeType::VirtualMachine,
            Self::HdInsight(_) => ComputeType::HdInsight,
            Self::Databricks(_) => ComputeType::Databricks,
            Self::DataLakeAnalytics(_) => ComputeType::DataLakeAnalytics,
            Self::SynapseSpark(_) => ComputeType::SynapseSpark,
            Self::DataFactory => ComputeType::DataFactory,
            Self::None | Self::Other(_) | Self::Unparsed { .. } => return None,
        })
    }

    /// Nothing to send: `None` or `DataFactory`.
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::None | Self::DataFactory)
    }

    pub fn as_instance(&self) -> Option<&ComputeInstanceProperties> {
        match self {
            Self::ComputeInstance(p) => Some(p),
            _ => None,
        }
    }

    pub fn as_cluster(&self) -> Option<&AmlComputeProperties> {
        match self {
            Self::AmlCompute(p) => Some(p),
            _ => None,
        }
    }

    /// The JSON of `Other` / `Unparsed`.
    pub fn untyped(&self) -> Option<&Value> {
        match self {
            Self::Other(value) | Self::Unparsed { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The error of `Unparsed`.
    pub fn parse_error(&self) -> Option<&str> {
        match self {
            Self::Unparsed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Reads `value` as the properties of `compute_type`; never fails.
    fn read(compute_type: &ComputeType, value: Option<Value>, warnings: &mut Vec<String>) -> Self {
        let value = match value {
            None | Some(Value::Null) if *compute_type == ComputeType::DataFactory => {
                return Self::DataFactory;
            }
            None | Some(Value::Null) => return Self::None,
            Some(value) => value,
        };
        fn typed<T: DeserializeOwned + HasExtra>(
            value: Value,
            wrap: fn(T) -> ComputeProperties,
            warnings: &mut Vec<String>,
        ) -> ComputeProperties {
            match salvage::<T>(value.clone()) {
                Ok((parsed, set_aside)) => {
                    warnings.extend(
                        set_aside
                            .into_iter()
                            .map(|w| format!("properties.properties.{w}")),
                    );
                    wrap(parsed)
                }
                Err(error) => {
                    warnings.push(format!("properties.{error}"));
                    ComputeProperties::Unparsed { value, error }
                }
            }
        }
        match compute_type {
            ComputeType::ComputeInstance => typed(value, Self::ComputeInstance, warnings),
            ComputeType::AmlCompute => typed(value, Self::AmlCompute, warnings),
            ComputeType::Aks => typed(value, Self::Aks, warnings),
            ComputeType::Kubernetes => typed(value, Self::Kubernetes, warnings),
            ComputeType::VirtualMachine => typed(value, Self::VirtualMachine, warnings),
            ComputeType::HdInsight => typed(value, Self::HdInsight, warnings),
            ComputeType::Databricks => typed(value, Self::Databricks, warnings),
            ComputeType::DataLakeAnalytics => typed(value, Self::DataLakeAnalytics, warnings),
            ComputeType::SynapseSpark => typed(value, Self::SynapseSpark, warnings),
            ComputeType::DataFactory | ComputeType::Other(_) => Self::Other(value),
        }
    }
}

impl Serialize for ComputeProperties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::None | Self::DataFactory => serializer.serialize_none(),
            Self::ComputeInstance(p) => p.serialize(serializer),
            Self::AmlCompute(p) => p.serialize(serializer),
            Self::Aks(p) => p.serialize(serializer),
            Self::Kubernetes(p) => p.serialize(serializer),
            Self::VirtualMachine(p) => p.serialize(serializer),
            Self::HdInsight(p) => p.serialize(serializer),
            Self::Databricks(p) => p.serialize(serializer),
            Self::DataLakeAnalytics(p) => p.serialize(serializer),
            Self::SynapseSpark(p) => p.serialize(serializer),
            Self::Other(value) | Self::Unparsed { value, .. } => value.serialize(serializer),
        }
    }
}

impl fmt::Debug for ComputeProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::DataFactory => f.write_str("DataFactory"),
            Self::ComputeInstance(p) => f.debug_tuple("ComputeInstance").field(p).finish(),
            Self::AmlCompute(p) => f.debug_tuple("AmlCompute").field(p).finish(),
            Self::Aks(p) => f.debug_tuple("Aks").field(p).finish(),
            Self::Kubernetes(p) => f.debug_tuple("Kubernetes").field(p).finish(),
            Self::VirtualMachine(p) => f.debug_tuple("VirtualMachine").field(p).finish(),
            Self::HdInsight(p) => f.debug_tuple("HdInsight").field(p).finish(),
            Self::Databricks(p) => f.debug_tuple("Databricks").field(p).finish(),
            Self::DataLakeAnalytics(p) => f.debug_tuple("DataLakeAnalytics").field(p).finish(),
            Self::SynapseSpark(p) => f.debug_tuple("SynapseSpark").field(p).finish(),
            Self::Other(value) => f.debug_tuple("Other").field(&redact_json(value)).finish(),
            Self::Unparsed { value, error } => f
                .debug_struct("Unparsed")
                .field("value", &redact_json(value))
                .field("error", error)
                .finish(),
        }
    }
}

impl Compute {
    /// Common properties around `properties`, `computeType` set from the variant (left empty
    /// for `None`/`Other`/`Unparsed`: set `compute_type` yourself then).
    pub fn new(properties: ComputeProperties) -> Self {
        let compute_type = properties
            .compute_type()
            .unwrap_or_else(|| ComputeType::Other(String::new()));
        Compute {
            compute_type,
            compute_location: None,
            provisioning_state: None,
            description: None,
            created_on: None,
            modified_on: None,
            resource_id: None,
            provisioning_errors: Vec::new(),
            is_attached_compute: None,
            disable_local_auth: None,
            properties,
            extra: Map::new(),
        }
    }

    /// Only `computeType` (e.g. a basic AKS create: `{"computeType":"AKS"}`).
    pub fn of_type(compute_type: ComputeType) -> Self {
        let properties = if compute_type == ComputeType::DataFactory {
            ComputeProperties::DataFactory
        } else {
            ComputeProperties::None
        };
        Compute {
            compute_type,
            ..Compute::new(properties)
        }
    }

    /// Reads the common properties; never fails. Warnings name what was set aside.
    pub fn from_value(value: Value) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let Value::Object(mut map) = value else {
            if !value.is_null() {
                warnings.push("properties: not an object".to_owned());
            }
            return (Compute::new(ComputeProperties::None), warnings);
        };
        let w = &mut warnings;
        let compute_type = take_field::<ComputeType>(&mut map, "computeType", w)
            .unwrap_or_else(|| ComputeType::Other(String::new()));
        let mut compute = Compute {
            compute_location: take_field(&mut map, "computeLocation", w),
            provisioning_state: take_field(&mut map, "provisioningState", w),
            description: take_field(&mut map, "description", w),
            created_on: take_field(&mut map, "createdOn", w),
            modified_on: take_field(&mut map, "modifiedOn", w),
            resource_id: take_field(&mut map, "resourceId", w),
            provisioning_errors: take_field(&mut map, "provisioningErrors", w).unwrap_or_default(),
            is_attached_compute: take_field(&mut map, "isAttachedCompute", w),
            disable_local_auth: take_field(&mut map, "disableLocalAuth", w),
            ..Compute::of_type(compute_type)
        };
        for warning in w.iter_mut() {
            *warning = format!("properties.{warning}");
        }
        let inner = map.remove("properties");
        compute.properties = ComputeProperties::read(&compute.compute_type, inner, &mut warnings);
        compute.extra = map;
        (compute, warnings)
    }
}

impl<'de> Deserialize<'de> for Compute {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Compute::from_value(Value::deserialize(deserializer)?).0)
    }
}

impl fmt::Debug for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("compute_type", &self.compute_type)
            .field("compute_location", &self.compute_location)
            .field("provisioning_state", &self.provisioning_state)
            .field("description", &self.description)
            .field("created_on", &self.created_on)
            .field("modified_on", &self.modified_on)
            .field("resource_id", &self.resource_id)
            .field("provisioning_errors", &self.provisioning_errors)
            .field("is_attached_compute", &self.is_attached_compute)
            .field("disable_local_auth", &self.disable_local_auth)
            .field("properties", &self.properties)
            .field("extra", &redact_json(&Value::Object(self.extra.clone())))
            .finish()
    }
}

impl ComputeResource {
    /// A PUT body: `location` (optional) and `properties`; nothing else set.
    pub fn new_request(location: Option<String>, properties: Compute) -> Self {
        ComputeResource {
            id: None,
            name: None,
            type_: None,
            location,
            tags: BTreeMap::new(),
            sku: None,
            identity: None,
            system_data: None,
            properties,
            extra: Map::new(),
            raw: Value::Null,
            parse_warnings: Vec::new(),
        }
    }

    /// Reads a compute resource; never fails (see the module doc). `raw` keeps `value`.
    pub fn from_value(value: Value) -> Self {
        let mut resource =
            ComputeResource::new_request(None, Compute::new(ComputeProperties::None));
        let mut warnings = Vec::new();
        match &value {
            Value::Object(map) => {
                let mut map = map.clone();
                let w = &mut warnings;
                resource.id = take_field(&mut map, "id", w);
                resource.name = take_field(&mut map, "name", w);
                resource.type_ = take_field(&mut map, "type", w);
                resource.location = take_field(&mut map, "location", w);
                resource.tags = take_field(&mut map, "tags", w).unwrap_or_default();
                resource.sku = take_field(&mut map, "sku", w);
                resource.identity = take_field(&mut map, "identity", w);
                resource.system_data = take_field(&mut map, "systemData", w);
                if let Some(properties) = map.remove("properties") {
                    let (compute, inner) = Compute::from_value(properties);
                    resource.properties = compute;
                    warnings.extend(inner);
                }
                resource.extra = map;
            }
            _ => warnings.push("compute resource is not a JSON object".to_owned()),
        }
        resource.parse_warnings = warnings;
        resource.raw = value;
        resource
    }

    pub fn compute_type(&self) -> &ComputeType {
        &self.properties.compute_type
    }

    /// The `computeType` text, verbatim for unknown types.
    pub fn type_name(&self) -> String {
        self.properties.compute_type.as_str().to_owned()
    }

    pub fn provisioning_state(&self) -> Option<&ProvisioningState> {
        self.properties.provisioning_state.as_ref()
    }

    /// The state to show: an instance's `state`; for a cluster whose provisioning succeeded,
    /// its `allocationState`; else `provisioningState`; "Unknown" when there is none. Unknown
    /// values verbatim.
    pub fn display_state(&self) -> String {
        let provisioning = self.properties.provisioning_state.as_ref();
        let succeeded = provisioning == Some(&ProvisioningState::Succeeded);
        let specific: Option<String> = match &self.properties.properties {
            ComputeProperties::ComputeInstance(p) => {
                p.state.as_ref().map(|s| s.as_str().to_owned())
            }
            ComputeProperties::AmlCompute(p) if succeeded => {
                p.allocation_state.as_ref().map(|s| s.as_str().to_owned())
            }
            other => other.untyped().and_then(|value| {
                let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
                text("state").or_else(|| {
                    if succeeded {
                        text("allocationState")
                    } else {
                        None
                    }
                })
            }),
        };
        specific
            .filter(|s| !s.is_empty())
            .or_else(|| {
                provisioning
                    .map(|p| p.as_str().to_owned())
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| "Unknown".to_owned())
    }

    /// Whether the compute is on its way somewhere (provisioning Creating/Updating/Deleting,
    /// an instance in a transitional state, a cluster resizing).
    pub fn is_transitional(&self) -> bool {
        let provisioning = matches!(
            self.properties.provisioning_state,
            Some(
                ProvisioningState::Creating
                    | ProvisioningState::Updating
                    | ProvisioningState::Deleting
            )
        );
        let specific = match &self.properties.properties {
            ComputeProperties::ComputeInstance(p) => {
                p.state.as_ref().is_some_and(|s| s.is_transitional())
            }
            ComputeProperties::AmlCompute(p) => {
                p.allocation_state == Some(AllocationState::Resizing)
            }
            _ => false,
        };
        provisioning || specific
    }

    /// The VM size: instance/cluster `vmSize`, AKS `agentVmSize`, VM `virtualMachineSize`,
    /// Synapse `nodeSize` (also read from the JSON of unknown or unreadable properties).
    pub fn vm_size(&self) -> Option<String> {
        match &self.properties.properties {
            ComputeProperties::ComputeInstance(p) => p.vm_size.clone(),
            ComputeProperties::AmlCompute(p) => p.vm_size.clone(),
            ComputeProperties::Aks(p) => p.agent_vm_size.clone(),
            ComputeProperties::VirtualMachine(p) => p.virtual_machine_size.clone(),
            ComputeProperties::SynapseSpark(p) => p.node_size.clone(),
            other => other.untyped().and_then(|value| {
                ["vmSize", "agentVmSize", "virtualMachineSize", "nodeSize"]
                    .iter()
                    .find_map(|key| value.get(*key).and_then(Value::as_str))
                    .map(str::to_owned)
            }),
        }
    }

    /// `provisioningErrors` followed by the type-specific `errors` (instance, cluster).
    pub fn errors(&self) -> Vec<&ErrorDetail> {
        let specific: &[ErrorResponse] = match &self.properties.properties {
            ComputeProperties::ComputeInstance(p) => &p.errors,
            ComputeProperties::AmlCompute(p) => &p.errors,
            _ => &[],
        };
        self.properties
            .provisioning_errors
            .iter()
            .chain(specific)
            .map(|e| &e.error)
            .collect()
    }
}

impl<'de> Deserialize<'de> for ComputeResource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(ComputeResource::from_value(Value::deserialize(
            deserializer,
        )?))
    }
}

impl fmt::Debug for ComputeResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputeResource")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("type_", &self.type_)
            .field("location", &self.location)
            .field("tags", &self.tags)
            .field("sku", &self.sku)
            .field("identity", &self.identity)
            .field("system_data", &self.system_data)
            .field("properties", &self.properties)
            .field("extra", &redact_json(&Value::Object(self.extra.clone())))
            .field("raw", &redact_json(&self.raw))
            .field("parse_warnings", &self.parse_warnings)
            .finish()
    }
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
