//! The string enums of the wire, made by one macro, [`wire_enum!`]: known variants plus
//! `Other(String)`, parsed case-insensitively (Azure is not consistent in casing), serialized
//! in the exact spelling of the API reference (unknown values verbatim). Reading one never
//! fails: a value this version does not know is kept, shown and sent back as received.
//! This module holds only the enums and their state predicates; no I/O, no display policy.

/// Declares a lenient wire enum. Each variant names its wire spelling and, optionally, other
/// spellings accepted on input (`Canceled => "Canceled" | "Cancelled"`).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of amlc does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known variant, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire text: the reference spelling for known values, verbatim for others.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(text) => text.as_str(),
                }
            }

            /// Parses `text` case-insensitively; never fails (unknown → `Other`).
            pub fn parse(text: &str) -> Self {
                $(
                    if text.eq_ignore_ascii_case($wire) $(|| text.eq_ignore_ascii_case($alias))* {
                        return $name::$variant;
                    }
                )+
                $name::Other(text.to_owned())
            }

            /// Whether this is one of the known values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name::parse(text)
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match $name::parse(&text) {
                    $name::Other(_) => $name::Other(text),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($name::parse(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::azure::models::enums::wire_text(deserializer).map($name::from)
            }
        }
    };
}

pub(crate) use wire_enum;

/// The text of an enum value as received: a string as is, `null` as empty, any other JSON
/// value as its JSON text (so even a number where a string was expected is kept, not refused).
pub(crate) fn wire_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => text,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

wire_enum! {
    /// `properties.computeType`, the discriminator of a compute.
    pub enum ComputeType {
        Aks => "AKS",
        Kubernetes => "Kubernetes",
        AmlCompute => "AmlCompute",
        ComputeInstance => "ComputeInstance",
        DataFactory => "DataFactory",
        VirtualMachine => "VirtualMachine",
        HdInsight => "HDInsight",
        Databricks => "Databricks",
        DataLakeAnalytics => "DataLakeAnalytics",
        SynapseSpark => "SynapseSpark",
    }
}

wire_enum! {
    /// ARM `provisioningState` of a compute or workspace.
    pub enum ProvisioningState {
        Unknown => "Unknown",
        Updating => "Updating",
        Creating => "Creating",
        Deleting => "Deleting",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Canceled => "Canceled" | "Cancelled",
    }
}

impl ProvisioningState {
    /// Succeeded, Failed or Canceled: no further change without a new request.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

wire_enum! {
    /// Power/lifecycle state of a compute instance (`properties.properties.state`).
    pub enum ComputeInstanceState {
        Creating => "Creating",
        CreateFailed => "CreateFailed",
        Deleting => "Deleting",
        Running => "Running",
        Restarting => "Restarting",
        JobRunning => "JobRunning",
        SettingUp => "SettingUp",
        SetupFailed => "SetupFailed",
        Starting => "Starting",
        Stopped => "Stopped",
        Stopping => "Stopping",
        UserSettingUp => "UserSettingUp",
        UserSetupFailed => "UserSetupFailed",
        Unknown => "Unknown",
        Unusable => "Unusable",
        /// Preview / azure-ai-ml client only.
        Resizing => "Resizing",
    }
}

impl ComputeInstanceState {
    /// A state on the way to another one (shown with a spinner).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            Self::Creating
                | Self::Deleting
                | Self::Restarting
                | Self::SettingUp
                | Self::Starting
                | Self::Stopping
                | Self::UserSettingUp
                | Self::Resizing
        )
    }
}

wire_enum! {
    /// Cluster `allocationState`.
    pub enum AllocationState { Steady => "Steady", Resizing => "Resizing" }
}

wire_enum! {
    /// Cluster `vmPriority`.
    pub enum VmPriority { Dedicated => "Dedicated", LowPriority => "LowPriority" }
}

wire_enum! {
    /// `osType` of a cluster or of a VM price.
    pub enum OsType { Linux => "Linux", Windows => "Windows" }
}

wire_enum! {
    /// Cluster `remoteLoginPortPublicAccess`.
    pub enum RemoteLoginPortPublicAccess {
        Enabled => "Enabled",
        Disabled => "Disabled",
        NotSpecified => "NotSpecified",
    }
}

wire_enum! {
    /// Instance `sshSettings.sshPublicAccess`.
    pub enum SshPublicAccess { Enabled => "Enabled", Disabled => "Disabled" }
}

wire_enum! {
    /// Instance `applicationSharingPolicy`.
    pub enum ApplicationSharingPolicy { Personal => "Personal", Shared => "Shared" }
}

wire_enum! {
    /// Instance `computeInstanceAuthorizationType`.
    pub enum ComputeInstanceAuthorizationType { Personal => "personal" }
}

wire_enum! {
    /// `nodeState` of a cluster node (lower-case on the wire).
    pub enum NodeState {
        Idle => "idle",
        Running => "running",
        Preparing => "preparing",
        Unusable => "unusable",
        Leaving => "leaving",
        Preempted => "preempted",
    }
}

wire_enum! {
    /// AKS `clusterPurpose`.
    pub enum ClusterPurpose { FastProd => "FastProd", DenseProd => "DenseProd", DevTest => "DevTest" }
}

wire_enum! {
    /// AKS `sslConfiguration.status`.
    pub enum SslStatus { Disabled => "Disabled", Enabled => "Enabled", Auto => "Auto" }
}

wire_enum! {
    /// AKS `loadBalancerType`.
    pub enum LoadBalancerType { PublicIp => "PublicIp", InternalLoadBalancer => "InternalLoadBalancer" }
}

wire_enum! {
    /// Instance `lastOperation.operationName`.
    pub enum OperationName {
        Create => "Create",
        Start => "Start",
        Stop => "Stop",
        Restart => "Restart",
        Reimage => "Reimage",
        Delete => "Delete",
        /// Preview.
        Resize => "Resize",
    }
}

wire_enum! {
    /// Instance `lastOperation.operationStatus`.
    pub enum OperationStatus {
        InProgress => "InProgress",
        Succeeded => "Succeeded",
        CreateFailed => "CreateFailed",
        StartFailed => "StartFailed",
        StopFailed => "StopFailed",
        RestartFailed => "RestartFailed",
        ReimageFailed => "ReimageFailed",
        DeleteFailed => "DeleteFailed",
        /// Preview.
        ResizeFailed => "ResizeFailed",
    }
}

wire_enum! {
    /// Instance `lastOperation.operationTrigger`.
    pub enum OperationTrigger { User => "User", Schedule => "Schedule", IdleShutdown => "IdleShutdown" }
}

wire_enum! {
    /// Schedule `provisioningStatus`.
    pub enum ScheduleProvisioningState {
        Completed => "Completed",
        Provisioning => "Provisioning",
        Failed => "Failed",
    }
}

wire_enum! {
    /// Schedule `status`.
    pub enum ScheduleStatus { Enabled => "Enabled", Disabled => "Disabled" }
}

wire_enum! {
    /// Schedule `action`.
    pub enum ComputePowerAction { Start => "Start", Stop => "Stop" }
}

wire_enum! {
    /// Schedule `triggerType`.
    pub enum TriggerType { Recurrence => "Recurrence", Cron => "Cron" }
}

wire_enum! {
    /// Recurrence `frequency`.
    pub enum RecurrenceFrequency {
        Minute => "Minute",
        Hour => "Hour",
        Day => "Day",
        Week => "Week",
        Month => "Month",
    }
}

wire_enum! {
    /// Recurrence `schedule.weekDays[]`.
    pub enum WeekDay {
        Monday => "Monday",
        Tuesday => "Tuesday",
        Wednesday => "Wednesday",
        Thursday => "Thursday",
        Friday => "Friday",
        Saturday => "Saturday",
        Sunday => "Sunday",
    }
}

wire_enum! {
    /// Custom service `image.type`.
    pub enum ImageType { Docker => "docker", Azureml => "azureml" }
}

wire_enum! {
    /// Custom service `environmentVariables.*.type`.
    pub enum EnvironmentVariableType { Local => "local" }
}

wire_enum! {
    /// Custom service `endpoints[].protocol`.
    pub enum EndpointProtocol { Tcp => "tcp", Udp => "udp", Http => "http" }
}

wire_enum! {
    /// Custom service `volumes[].type`.
    pub enum VolumeDefinitionType { Bind => "bind", Volume => "volume", Tmpfs => "tmpfs", Npipe => "npipe" }
}

wire_enum! {
    /// Instance container `autosave`.
    pub enum Autosave { None => "None", Local => "Local", Remote => "Remote" }
}

wire_enum! {
    /// Instance container `network`.
    pub enum ContainerNetwork { Bridge => "Bridge", Host => "Host" }
}

wire_enum! {
    /// Data disk `caching`.
    pub enum Caching { None => "None", ReadOnly => "ReadOnly", ReadWrite => "ReadWrite" }
}

wire_enum! {
    /// Data disk `storageAccountType`.
    pub enum StorageAccountType { StandardLrs => "Standard_LRS", PremiumLrs => "Premium_LRS" }
}

wire_enum! {
    /// Data mount `sourceType`.
    pub enum DataMountSourceType { Dataset => "Dataset", Datastore => "Datastore", Uri => "URI" }
}

wire_enum! {
    /// Data mount `mountAction`.
    pub enum MountAction { Mount => "Mount", Unmount => "Unmount" }
}

wire_enum! {
    /// Data mount `mountMode` (preview).
    pub enum MountMode { ReadOnly => "ReadOnly", ReadWrite => "ReadWrite" }
}

wire_enum! {
    /// Data mount `mountState`.
    pub enum MountState {
        MountRequested => "MountRequested",
        Mounted => "Mounted",
        MountFailed => "MountFailed",
        UnmountRequested => "UnmountRequested",
        UnmountFailed => "UnmountFailed",
        Unmounted => "Unmounted",
    }
}

wire_enum! {
    /// `identity.type` of a resource.
    pub enum ManagedServiceIdentityType {
        None => "None",
        SystemAssigned => "SystemAssigned",
        UserAssigned => "UserAssigned",
        SystemAssignedUserAssigned => "SystemAssigned,UserAssigned" | "SystemAssigned, UserAssigned",
    }
}

wire_enum! {
    /// `systemData.createdByType` / `lastModifiedByType`.
    pub enum CreatedByType {
        User => "User",
        Application => "Application",
        ManagedIdentity => "ManagedIdentity",
        Key => "Key",
    }
}

wire_enum! {
    /// `sku.tier`.
    pub enum SkuTier { Free => "Free", Basic => "Basic", Standard => "Standard", Premium => "Premium" }
}

wire_enum! {
    /// Workspace `kind`.
    pub enum WorkspaceKind {
        Default => "Default",
        Hub => "Hub",
        Project => "Project",
        FeatureStore => "FeatureStore",
    }
}

wire_enum! {
    /// Workspace `publicNetworkAccess`.
    pub enum PublicNetworkAccess { Enabled => "Enabled", Disabled => "Disabled" }
}

wire_enum! {
    /// `status` of an ARM async-operation resource.
    pub enum AsyncOperationState {
        InProgress => "InProgress",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Canceled => "Canceled" | "Cancelled",
    }
}

impl AsyncOperationState {
    /// Succeeded, Failed or Canceled.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

wire_enum! {
    /// VM price `vmTier`.
    pub enum VmTier { Standard => "Standard", LowPriority => "LowPriority", Spot => "Spot" }
}

wire_enum! {
    /// Quota update `status`.
    pub enum QuotaUpdateStatus {
        Undefined => "Undefined",
        Success => "Success",
        Failure => "Failure",
        InvalidQuotaBelowClusterMinimum => "InvalidQuotaBelowClusterMinimum",
        InvalidQuotaExceedsSubscriptionLimit => "InvalidQuotaExceedsSubscriptionLimit",
        InvalidVmFamilyName => "InvalidVMFamilyName",
        OperationNotSupportedForSku => "OperationNotSupportedForSku",
        OperationNotEnabledForRegion => "OperationNotEnabledForRegion",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::models::JobStatus;
    use serde_json::json;

    #[test]
    fn known_values_parse_case_insensitively_and_reserialize_exactly() {
        let parsed: ComputeType = serde_json::from_value(json!("aks")).unwrap();
        assert_eq!(parsed, ComputeType::Aks);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!("AKS"));
        let parsed: ComputeType = serde_json::from_value(json!("hdinsight")).unwrap();
        assert_eq!(parsed.as_str(), "HDInsight");
        let state: ProvisioningState = serde_json::from_value(json!("SUCCEEDED")).unwrap();
        assert_eq!(state, ProvisioningState::Succeeded);
        assert_eq!(state.to_string(), "Succeeded");
        let node: NodeState = serde_json::from_value(json!("Running")).unwrap();
        assert_eq!(node, NodeState::Running);
        assert_eq!(serde_json::to_value(&node).unwrap(), json!("running"));
        let auth: ComputeInstanceAuthorizationType = "Personal".parse().unwrap();
        assert_eq!(auth.as_str(), "personal");
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let parsed: ComputeType = serde_json::from_value(json!("QuantumCompute")).unwrap();
        assert_eq!(parsed, ComputeType::Other("QuantumCompute".into()));
        assert!(!parsed.is_known());
        assert_eq!(parsed.to_string(), "QuantumCompute");
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            json!("QuantumCompute")
        );
        let state: ComputeInstanceState = serde_json::from_value(json!("hibernating")).unwrap();
        assert_eq!(state.as_str(), "hibernating");
        assert!(!state.is_transitional());
        // Even a non-string never fails.
        let odd: JobStatus = serde_json::from_value(json!(42)).unwrap();
        assert_eq!(odd, JobStatus::Other("42".into()));
        let from_string = JobStatus::from(String::from("Exploding"));
        assert_eq!(from_string.as_str(), "Exploding");
    }

    #[test]
    fn aliases_and_lists() {
        assert_eq!(JobStatus::parse("Cancelled"), JobStatus::Canceled);
        assert_eq!(
            ManagedServiceIdentityType::parse("SystemAssigned, UserAssigned"),
            ManagedServiceIdentityType::SystemAssignedUserAssigned
        );
        assert_eq!(ComputeType::KNOWN.len(), 10);
        assert_eq!(
            VmPriority::KNOWN,
            &[VmPriority::Dedicated, VmPriority::LowPriority]
        );
    }

    #[test]
    fn state_predicates() {
        for status in ["Completed", "Failed", "Canceled", "NotResponding", "Paused"] {
            assert!(JobStatus::parse(status).is_terminal(), "{status}");
        }
        for status in [
            "Running",
            "Finalizing",
            "Queued",
            "CancelRequested",
            "Unknown",
            "Weird",
        ] {
            assert!(!JobStatus::parse(status).is_terminal(), "{status}");
        }
        assert!(JobStatus::Finalizing.is_active());
        assert!(!JobStatus::CancelRequested.is_active());
        for state in ["Succeeded", "failed", "Canceled"] {
            assert!(ProvisioningState::parse(state).is_terminal(), "{state}");
        }
        assert!(!ProvisioningState::Creating.is_terminal());
        assert!(!ProvisioningState::Other("Accepted".into()).is_terminal());
        for state in [
            "Creating",
            "Deleting",
            "Restarting",
            "SettingUp",
            "Starting",
            "Stopping",
            "UserSettingUp",
            "Resizing",
        ] {
            assert!(
                ComputeInstanceState::parse(state).is_transitional(),
                "{state}"
            );
        }
        for state in [
            "Running",
            "Stopped",
            "CreateFailed",
            "JobRunning",
            "Unusable",
        ] {
            assert!(
                !ComputeInstanceState::parse(state).is_transitional(),
                "{state}"
            );
        }
        assert!(AsyncOperationState::parse("succeeded").is_terminal());
        assert!(!AsyncOperationState::InProgress.is_terminal());
    }
}
