//! The lenient wire enums of v2 jobs and run history (API reference §5, §6): status with the
//! SDK's terminal and streaming sets, job type, input/output kinds and modes, distribution,
//! limits, identity and tier. Made by [`wire_enum!`](super::enums); no I/O here.

use super::enums::wire_enum;

wire_enum! {
    /// Job `status` (v2 jobs and run history).
    pub enum JobStatus {
        NotStarted => "NotStarted",
        Starting => "Starting",
        Provisioning => "Provisioning",
        Preparing => "Preparing",
        Queued => "Queued",
        Running => "Running",
        Finalizing => "Finalizing",
        CancelRequested => "CancelRequested",
        Completed => "Completed",
        Failed => "Failed",
        Canceled => "Canceled" | "Cancelled",
        NotResponding => "NotResponding",
        Paused => "Paused",
        Unknown => "Unknown",
    }
}

impl JobStatus {
    /// The SDK's terminal set: Completed, Failed, Canceled, NotResponding, Paused.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Canceled | Self::NotResponding | Self::Paused
        )
    }

    /// The statuses during which `az ml job stream` keeps polling (reference §6): NotStarted,
    /// Queued, Preparing, Provisioning, Starting, Running and Finalizing.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            Self::NotStarted
                | Self::Queued
                | Self::Preparing
                | Self::Provisioning
                | Self::Starting
                | Self::Running
                | Self::Finalizing
        )
    }
}

wire_enum! {
    /// Job `jobType`.
    pub enum JobType {
        Command => "Command",
        Sweep => "Sweep",
        Pipeline => "Pipeline",
        AutoMl => "AutoML",
        Spark => "Spark",
        FineTuning => "FineTuning",
        Distillation => "Distillation",
    }
}

wire_enum! {
    /// Job input `jobInputType`.
    pub enum JobInputType {
        Literal => "literal",
        UriFile => "uri_file",
        UriFolder => "uri_folder",
        Mltable => "mltable",
        CustomModel => "custom_model",
        MlflowModel => "mlflow_model",
        TritonModel => "triton_model",
    }
}

wire_enum! {
    /// Job output `jobOutputType`.
    pub enum JobOutputType {
        UriFile => "uri_file",
        UriFolder => "uri_folder",
        Mltable => "mltable",
        CustomModel => "custom_model",
        MlflowModel => "mlflow_model",
        TritonModel => "triton_model",
    }
}

wire_enum! {
    /// Job input/output `mode`.
    pub enum DeliveryMode {
        ReadOnlyMount => "ReadOnlyMount",
        ReadWriteMount => "ReadWriteMount",
        Download => "Download",
        Direct => "Direct",
        EvalMount => "EvalMount",
        EvalDownload => "EvalDownload",
        Upload => "Upload",
    }
}

wire_enum! {
    /// Job `distribution.distributionType`.
    pub enum DistributionType { PyTorch => "PyTorch", TensorFlow => "TensorFlow", Mpi => "Mpi", Ray => "Ray" }
}

wire_enum! {
    /// Job `limits.jobLimitsType`.
    pub enum JobLimitsType { Command => "Command", Sweep => "Sweep" }
}

wire_enum! {
    /// Job `identity.identityType`.
    pub enum IdentityConfigurationType { AmlToken => "AMLToken", Managed => "Managed", UserIdentity => "UserIdentity" }
}

wire_enum! {
    /// Job `queueSettings.jobTier`.
    pub enum JobTier { Null => "Null", Spot => "Spot", Basic => "Basic", Standard => "Standard", Premium => "Premium" }
}
