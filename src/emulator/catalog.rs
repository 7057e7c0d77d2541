//! The emulator's VM size catalogue and VM-family quotas: a fixed, realistic list of CPU and GPU
//! sizes (vCPUs, memory, GPUs, hourly prices by OS and tier, low-priority capability, supported
//! compute types) and per-family default vCPU limits. Pure data and lookups; usage accounting
//! over computes lives in `arm.rs`.

use serde_json::{Value, json};

/// One VM size.
pub struct VmSize {
    pub name: &'static str,
    pub family: &'static str,
    pub vcpus: u32,
    pub gpus: u32,
    pub memory_gb: f64,
    pub max_resource_volume_mb: u64,
    pub low_priority_capable: bool,
    pub premium_io: bool,
    /// Linux pay-as-you-go price per hour (USD).
    pub linux_price: f64,
    /// Windows price per hour, or None when Windows is not offered.
    pub windows_price: Option<f64>,
    pub compute_types: &'static [&'static str],
}

/// One VM family with its default subscription-level dedicated vCPU limit.
pub struct Family {
    pub key: &'static str,
    pub display: &'static str,
    pub limit: i64,
}

const CPU_TYPES: &[&str] = &["AmlCompute", "ComputeInstance", "MIR"];
const GPU_TYPES: &[&str] = &["AmlCompute", "ComputeInstance"];
const CLUSTER_ONLY: &[&str] = &["AmlCompute"];

/// Total dedicated vCPUs across families per subscription and region.
pub const TOTAL_DEDICATED_LIMIT: i64 = 300;
/// Total low-priority vCPUs per subscription and region.
pub const TOTAL_LOW_PRIORITY_LIMIT: i64 = 100;
/// Default size when a create request names none.
pub const DEFAULT_VM_SIZE: &str = "STANDARD_DS3_V2";

pub const FAMILIES: &[Family] = &[
    Family {
        key: "standardDSv2Family",
        display: "Standard DSv2 Family",
        limit: 48,
    },
    Family {
        key: "standardDv2Family",
        display: "Standard Dv2 Family",
        limit: 48,
    },
    Family {
        key: "standardEDSv4Family",
        display: "Standard EDSv4 Family",
        limit: 32,
    },
    Family {
        key: "standardDSv3Family",
        display: "Standard DSv3 Family",
        limit: 48,
    },
    Family {
        key: "standardESv3Family",
        display: "Standard ESv3 Family",
        limit: 32,
    },
    Family {
        key: "standardFSv2Family",
        display: "Standard FSv2 Family",
        limit: 32,
    },
    Family {
        key: "standardNCFamily",
        display: "Standard NC Family",
        limit: 24,
    },
    Family {
        key: "standardNCSv3Family",
        display: "Standard NCSv3 Family",
        limit: 24,
    },
    Family {
        key: "standardNCASv3_T4Family",
        display: "Standard NCASv3_T4 Family",
        limit: 32,
    },
    Family {
        key: "standardNCADSA100v4Family",
        display: "Standard NCADSA100v4 Family",
        limit: 24,
    },
    Family {
        key: "standardNDAMSv4_A100Family",
        display: "Standard NDAMSv4_A100 Family",
        limit: 0,
    },
    Family {
        key: "standardNVSv3Family",
        display: "Standard NVSv3 Family",
        limit: 12,
    },
];

macro_rules! size {
    ($name:expr, $fam:expr, $cpu:expr, $gpu:expr, $mem:expr, $disk:expr, $lp:expr, $lin:expr, $win:expr, $types:expr) => {
        VmSize {
            name: $name,
            family: $fam,
            vcpus: $cpu,
            gpus: $gpu,
            memory_gb: $mem,
            max_resource_volume_mb: $disk,
            low_priority_capable: $lp,
            premium_io: true,
            linux_price: $lin,
            windows_price: $win,
            compute_types: $types,
        }
    };
}

pub const SIZES: &[VmSize] = &[
    size!(
        "Standard_DS1_v2",
        "standardDSv2Family",
        1,
        0,
        3.5,
        7168,
        true,
        0.073,
        Some(0.126),
        CPU_TYPES
    ),
    size!(
        "Standard_DS2_v2",
        "standardDSv2Family",
        2,
        0,
        7.0,
        14336,
        true,
        0.146,
        Some(0.252),
        CPU_TYPES
    ),
    size!(
        "Standard_DS3_v2",
        "standardDSv2Family",
        4,
        0,
        14.0,
        28672,
        true,
        0.293,
        Some(0.504),
        CPU_TYPES
    ),
    size!(
        "Standard_DS4_v2",
        "standardDSv2Family",
        8,
        0,
        28.0,
        57344,
        true,
        0.585,
        Some(1.008),
        CPU_TYPES
    ),
    size!(
        "Standard_DS5_v2",
        "standardDSv2Family",
        16,
        0,
        56.0,
        114688,
        true,
        1.17,
        Some(2.016),
        CPU_TYPES
    ),
    size!(
        "Standard_DS11_v2",
        "standardDSv2Family",
        2,
        0,
        14.0,
        28672,
        true,
        0.185,
        Some(0.266),
        CPU_TYPES
    ),
    size!(
        "Standard_DS12_v2",
        "standardDSv2Family",
        4,
        0,
        28.0,
        57344,
        true,
        0.371,
        Some(0.532),
        CPU_TYPES
    ),
    size!(
        "Standard_DS13_v2",
        "standardDSv2Family",
        8,
        0,
        56.0,
        114688,
        true,
        0.741,
        Some(1.064),
        CPU_TYPES
    ),
    size!(
        "Standard_DS14_v2",
        "standardDSv2Family",
        16,
        0,
        112.0,
        229376,
        true,
        1.482,
        Some(2.128),
        CPU_TYPES
    ),
    size!(
        "Standard_D1_v2",
        "standardDv2Family",
        1,
        0,
        3.5,
        51200,
        true,
        0.057,
        Some(0.126),
        CPU_TYPES
    ),
    size!(
        "Standard_D2_v2",
        "standardDv2Family",
        2,
        0,
        7.0,
        102400,
        true,
        0.114,
        Some(0.252),
        CPU_TYPES
    ),
    size!(
        "Standard_D3_v2",
        "standardDv2Family",
        4,
        0,
        14.0,
        204800,
        true,
        0.229,
        Some(0.504),
        CPU_TYPES
    ),
    size!(
        "Standard_D4_v2",
        "standardDv2Family",
        8,
        0,
        28.0,
        409600,
        true,
        0.458,
        Some(1.008),
        CPU_TYPES
    ),
    size!(
        "Standard_D5_v2",
        "standardDv2Family",
        16,
        0,
        56.0,
        819200,
        true,
        0.916,
        Some(2.016),
        CPU_TYPES
    ),
    size!(
        "Standard_D11_v2",
        "standardDv2Family",
        2,
        0,
        14.0,
        102400,
        true,
        0.148,
        Some(0.266),
        CPU_TYPES
    ),
    size!(
        "Standard_D12_v2",
        "standardDv2Family",
        4,
        0,
        28.0,
        204800,
        true,
        0.296,
        Some(0.532),
        CPU_TYPES
    ),
    size!(
        "Standard_D13_v2",
        "standardDv2Family",
        8,
        0,
        56.0,
        409600,
        true,
        0.593,
        Some(1.064),
        CPU_TYPES
    ),
    size!(
        "Standard_E4ds_v4",
        "standardEDSv4Family",
        4,
        0,
        32.0,
        153600,
        true,
        0.288,
        Some(0.472),
        CPU_TYPES
    ),
    size!(
        "Standard_E8ds_v4",
        "standardEDSv4Family",
        8,
        0,
        64.0,
        307200,
        true,
        0.576,
        Some(0.944),
        CPU_TYPES
    ),
    size!(
        "Standard_E16ds_v4",
        "standardEDSv4Family",
        16,
        0,
        128.0,
        614400,
        true,
        1.152,
        Some(1.888),
        CPU_TYPES
    ),
    size!(
        "Standard_D2s_v3",
        "standardDSv3Family",
        2,
        0,
        8.0,
        16384,
        true,
        0.096,
        Some(0.188),
        CPU_TYPES
    ),
    size!(
        "Standard_D4s_v3",
        "standardDSv3Family",
        4,
        0,
        16.0,
        32768,
        true,
        0.192,
        Some(0.376),
        CPU_TYPES
    ),
    size!(
        "Standard_D8s_v3",
        "standardDSv3Family",
        8,
        0,
        32.0,
        65536,
        true,
        0.384,
        Some(0.752),
        CPU_TYPES
    ),
    size!(
        "Standard_D16s_v3",
        "standardDSv3Family",
        16,
        0,
        64.0,
        131072,
        true,
        0.768,
        Some(1.504),
        CPU_TYPES
    ),
    size!(
        "Standard_E4s_v3",
        "standardESv3Family",
        4,
        0,
        32.0,
        65536,
        true,
        0.252,
        Some(0.436),
        CPU_TYPES
    ),
    size!(
        "Standard_E8s_v3",
        "standardESv3Family",
        8,
        0,
        64.0,
        131072,
        true,
        0.504,
        Some(0.872),
        CPU_TYPES
    ),
    size!(
        "Standard_E16s_v3",
        "standardESv3Family",
        16,
        0,
        128.0,
        262144,
        true,
        1.008,
        Some(1.744),
        CPU_TYPES
    ),
    size!(
        "Standard_F2s_v2",
        "standardFSv2Family",
        2,
        0,
        4.0,
        16384,
        true,
        0.085,
        Some(0.177),
        CPU_TYPES
    ),
    size!(
        "Standard_F4s_v2",
        "standardFSv2Family",
        4,
        0,
        8.0,
        32768,
        true,
        0.169,
        Some(0.353),
        CPU_TYPES
    ),
    size!(
        "Standard_F8s_v2",
        "standardFSv2Family",
        8,
        0,
        16.0,
        65536,
        true,
        0.338,
        Some(0.706),
        CPU_TYPES
    ),
    size!(
        "Standard_F16s_v2",
        "standardFSv2Family",
        16,
        0,
        32.0,
        131072,
        true,
        0.677,
        Some(1.413),
        CPU_TYPES
    ),
    size!(
        "Standard_NC6",
        "standardNCFamily",
        6,
        1,
        56.0,
        389120,
        true,
        0.9,
        Some(1.08),
        GPU_TYPES
    ),
    size!(
        "Standard_NC12",
        "standardNCFamily",
        12,
        2,
        112.0,
        696320,
        true,
        1.8,
        Some(2.16),
        GPU_TYPES
    ),
    size!(
        "Standard_NC24",
        "standardNCFamily",
        24,
        4,
        224.0,
        1474560,
        true,
        3.6,
        Some(4.32),
        GPU_TYPES
    ),
    size!(
        "Standard_NC6s_v3",
        "standardNCSv3Family",
        6,
        1,
        112.0,
        344064,
        true,
        3.06,
        Some(3.336),
        GPU_TYPES
    ),
    size!(
        "Standard_NC12s_v3",
        "standardNCSv3Family",
        12,
        2,
        224.0,
        688128,
        true,
        6.12,
        Some(6.672),
        GPU_TYPES
    ),
    size!(
        "Standard_NC24s_v3",
        "standardNCSv3Family",
        24,
        4,
        448.0,
        1376256,
        true,
        12.24,
        Some(13.344),
        GPU_TYPES
    ),
    size!(
        "Standard_NC4as_T4_v3",
        "standardNCASv3_T4Family",
        4,
        1,
        28.0,
        180224,
        true,
        0.526,
        Some(0.71),
        GPU_TYPES
    ),
    size!(
        "Standard_NC8as_T4_v3",
        "standardNCASv3_T4Family",
        8,
        1,
        56.0,
        360448,
        true,
        0.752,
        Some(1.12),
        GPU_TYPES
    ),
    size!(
        "Standard_NC16as_T4_v3",
        "standardNCASv3_T4Family",
        16,
        1,
        110.0,
        360448,
        true,
        1.204,
        Some(1.94),
        GPU_TYPES
    ),
    size!(
        "Standard_NC64as_T4_v3",
        "standardNCASv3_T4Family",
        64,
        4,
        440.0,
        2883584,
        true,
        4.352,
        Some(7.296),
        GPU_TYPES
    ),
    size!(
        "Standard_NC24ads_A100_v4",
        "standardNCADSA100v4Family",
        24,
        1,
        220.0,
        65536,
        true,
        3.673,
        None,
        GPU_TYPES
    ),
    size!(
        "Standard_NC48ads_A100_v4",
        "standardNCADSA100v4Family",
        48,
        2,
        440.0,
        131072,
        true,
        7.346,
        None,
        GPU_TYPES
    ),
    size!(
        "Standard_NC96ads_A100_v4",
        "standardNCADSA100v4Family",
        96,
        4,
        880.0,
        262144,
        true,
        14.692,
        None,
        GPU_TYPES
    ),
    size!(
        "Standard_ND96amsr_A100_v4",
        "standardNDAMSv4_A100Family",
        96,
        8,
        1900.0,
        6553600,
        true,
        32.77,
        None,
        CLUSTER_ONLY
    ),
    size!(
        "Standard_NV12s_v3",
        "standardNVSv3Family",
        12,
        1,
        112.0,
        344064,
        false,
        1.14,
        Some(1.52),
        GPU_TYPES
    ),
];

/// Case-insensitive lookup (`STANDARD_DS3_V2` and `Standard_DS3_v2` are the same size).
pub fn find_size(name: &str) -> Option<&'static VmSize> {
    SIZES.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

pub fn find_family(key: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.key.eq_ignore_ascii_case(key))
}

/// `Standard_DSv2_Family_Cluster_Dedicated_vCPUs` for a family (the id suffix Azure uses).
pub fn family_usage_id(f: &Family, low_priority: bool) -> String {
    format!(
        "{}_Cluster_{}_vCPUs",
        f.display.replace(' ', "_"),
        if low_priority {
            "LowPriority"
        } else {
            "Dedicated"
        }
    )
}

/// `Standard DSv2 Family Cluster Dedicated vCPUs`.
pub fn family_usage_name(f: &Family, low_priority: bool) -> String {
    format!(
        "{} Cluster {} vCPUs",
        f.display,
        if low_priority {
            "LowPriority"
        } else {
            "Dedicated"
        }
    )
}

/// Finds the family whose dedicated usage id is `id` (case-insensitive).
pub fn family_by_usage_id(id: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| family_usage_id(f, false).eq_ignore_ascii_case(id))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The wire form of a size (`VirtualMachineSize`).
pub fn size_json(s: &VmSize) -> Value {
    let mut prices = vec![
        json!({"retailPrice": round2(s.linux_price), "osType": "Linux", "vmTier": "Standard"}),
    ];
    if s.low_priority_capable {
        prices.push(json!({"retailPrice": round2(s.linux_price * 0.2), "osType": "Linux", "vmTier": "LowPriority"}));
        prices.push(json!({"retailPrice": round2(s.linux_price * 0.18), "osType": "Linux", "vmTier": "Spot"}));
    }
    if let Some(w) = s.windows_price {
        prices.push(json!({"retailPrice": round2(w), "osType": "Windows", "vmTier": "Standard"}));
        if s.low_priority_capable {
            prices.push(json!({"retailPrice": round2(w * 0.4), "osType": "Windows", "vmTier": "LowPriority"}));
        }
    }
    json!({
        "name": s.name,
        "family": s.family,
        "vCPUs": s.vcpus,
        "gpus": s.gpus,
        "osVhdSizeMB": 1_047_552,
        "maxResourceVolumeMB": s.max_resource_volume_mb,
        "memoryGB": s.memory_gb,
        "lowPriorityCapable": s.low_priority_capable,
        "premiumIO": s.premium_io,
        "estimatedVMPrices": {
            "billingCurrency": "USD",
            "unitOfMeasure": "OneHour",
            "values": prices,
        },
        "supportedComputeTypes": s.compute_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_has_a_known_family() {
        for s in SIZES {
            assert!(find_family(s.family).is_some(), "{}", s.name);
        }
        assert!(SIZES.iter().any(|s| s.gpus > 0));
        assert!(find_size("STANDARD_DS3_V2").is_some());
        assert!(find_size("Standard_Nope").is_none());
    }

    #[test]
    fn usage_ids_round_trip() {
        let f = find_family("standardDSv2Family").unwrap();
        assert_eq!(
            family_usage_id(f, false),
            "Standard_DSv2_Family_Cluster_Dedicated_vCPUs"
        );
        assert_eq!(
            family_by_usage_id("standard_dsv2_family_cluster_dedicated_vcpus").map(|f| f.key),
            Some("standardDSv2Family")
        );
    }
}
