//! Location-scoped shapes (API reference §3, last rows): VM sizes with their estimated prices,
//! usages and quotas. Note the odd wire spellings (`vCPUs`, `memoryGB`, `osVhdSizeMB`,
//! `maxResourceVolumeMB`, `premiumIO`, `estimatedVMPrices`). Shapes only.

use super::enums::{OsType, QuotaUpdateStatus, VmTier};
use super::util::null_as_default;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Body of `vmSizes` (and of the preview `getAllowedVmSizesForResize`); no `nextLink`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VirtualMachineSizeListResult {
    #[serde(deserialize_with = "null_as_default")]
    pub value: Vec<VirtualMachineSize>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One VM size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VirtualMachineSize {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(rename = "vCPUs", skip_serializing_if = "Option::is_none")]
    pub v_cpus: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpus: Option<i64>,
    #[serde(rename = "osVhdSizeMB", skip_serializing_if = "Option::is_none")]
    pub os_vhd_size_mb: Option<i64>,
    #[serde(
        rename = "maxResourceVolumeMB",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_resource_volume_mb: Option<i64>,
    #[serde(rename = "memoryGB", skip_serializing_if = "Option::is_none")]
    pub memory_gb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_priority_capable: Option<bool>,
    #[serde(rename = "premiumIO", skip_serializing_if = "Option::is_none")]
    pub premium_io: Option<bool>,
    #[serde(rename = "estimatedVMPrices", skip_serializing_if = "Option::is_none")]
    pub estimated_vm_prices: Option<EstimatedVmPrices>,
    /// `AmlCompute`, `ComputeInstance`, `MIR`, ... (free text: not all are compute types).
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_compute_types: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VirtualMachineSize {
    /// Whether `compute_type` (e.g. `"ComputeInstance"`) is supported, case-insensitively.
    pub fn supports(&self, compute_type: &str) -> bool {
        self.supported_compute_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(compute_type))
    }

    /// The hourly retail price for `os_type` and `vm_tier`, when listed.
    pub fn price(&self, os_type: &OsType, vm_tier: &VmTier) -> Option<f64> {
        self.estimated_vm_prices
            .as_ref()?
            .values
            .iter()
            .find_map(|p| {
                (p.os_type.as_ref() == Some(os_type) && p.vm_tier.as_ref() == Some(vm_tier))
                    .then_some(p.retail_price)
                    .flatten()
            })
    }
}

/// `estimatedVMPrices`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EstimatedVmPrices {
    /// `USD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_currency: Option<String>,
    /// `OneHour`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<EstimatedVmPrice>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One price of `estimatedVMPrices.values`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EstimatedVmPrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retail_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_tier: Option<VmTier>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `usages` (`limit` may be -1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aml_workspace_location: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `Count`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<UsageName>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{value, localizedValue}` name of a usage or quota.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageName {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localized_value: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `quotas`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceQuota {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aml_workspace_location: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<UsageName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `updateQuotas`: `{value:[{id,type,limit,unit}],location}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QuotaUpdateParameters {
    #[serde(deserialize_with = "null_as_default")]
    pub value: Vec<QuotaBaseProperties>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One quota to update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QuotaBaseProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One result of `updateQuotas` (items of a `Page<UpdateWorkspaceQuotas>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpdateWorkspaceQuotas {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<QuotaUpdateStatus>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn size_price_lookup_and_spellings() {
        let size: VirtualMachineSize = serde_json::from_value(json!({
            "name": "Standard_NC6", "vCPUs": 6, "gpus": 1, "memoryGB": 56.0,
            "estimatedVMPrices": {"billingCurrency": "USD", "unitOfMeasure": "OneHour", "values": [
                {"retailPrice": 0.9, "osType": "Linux", "vmTier": "Standard"},
                {"retailPrice": 0.2, "osType": "Linux", "vmTier": "Spot"}
            ]},
            "supportedComputeTypes": ["AmlCompute"]
        }))
        .unwrap();
        assert_eq!(size.v_cpus, Some(6));
        assert_eq!(size.price(&OsType::Linux, &VmTier::Spot), Some(0.2));
        assert_eq!(size.price(&OsType::Windows, &VmTier::Spot), None);
        assert!(size.supports("amlcompute") && !size.supports("ComputeInstance"));
        let usage: Usage = serde_json::from_value(
            json!({"currentValue": 3, "limit": -1, "name": {"value": "a", "localizedValue": "A"}}),
        )
        .unwrap();
        assert_eq!(usage.limit, Some(-1));
        assert_eq!(
            usage.name.and_then(|n| n.localized_value).as_deref(),
            Some("A")
        );
    }
}
