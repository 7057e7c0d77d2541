//! v2 jobs (API reference §5): the `JobBase` resource ([`Job`]) with the common and Command-job
//! properties, and [`CommandJobRequest`], the builder of a command-job PUT body. Reading a job
//! never fails because of a field of an unexpected shape (kept in `extra`, warning recorded);
//! `raw` keeps the job as received. No I/O here.

use super::common::SystemData;
use super::job_enums::*;
use super::secret::redact_json;
use super::util::{has_extra, null_as_default, take_field, take_properties};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A job: `{id,name,type,systemData,properties}`.
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_data: Option<SystemData>,
    pub properties: JobProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The whole job JSON as received. Never serialized.
    #[serde(skip)]
    pub raw: Value,
    /// Fields set aside as unreadable (`path: reason`). Never serialized.
    #[serde(skip)]
    pub parse_warnings: Vec<String>,
    /// Run history's details of this job (start, end, error), when a client fetched them.
    /// Not part of the job resource: never serialized.
    #[serde(skip)]
    pub run_details: Option<std::sync::Arc<super::RunDetails>>,
}

/// Job `properties`: the fields common to all job types and those of a Command job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_type: Option<JobType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub tags: BTreeMap<String, String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_name: Option<String>,
    /// ARM id of the compute (`None` for serverless).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub environment_variables: BTreeMap<String, String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub inputs: BTreeMap<String, JobInput>,
    /// `outputs.default` is the run's artifact folder.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub outputs: BTreeMap<String, JobOutput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<JobResources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<DistributionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<JobLimits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_settings: Option<QueueSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityConfiguration>,
    /// `services["Studio"].endpoint` is the portal link.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub services: BTreeMap<String, JobService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_setting: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_job_name: Option<String>,
    /// Read-only (Command jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

has_extra!(JobProperties);

/// One of `inputs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_input_type: Option<JobInputType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<DeliveryMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// A literal input's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `outputs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_output_type: Option<JobOutputType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<DeliveryMode>,
    /// e.g. `azureml://datastores/<datastore>/<prefix>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// Free-form (values may be `null`).
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub properties: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_args: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `distribution` (PyTorch `processCountPerInstance`, TensorFlow `workerCount` /
/// `parameterServerCount`, Mpi `processCountPerInstance`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DistributionConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution_type: Option<DistributionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_count_per_instance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_server_count: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `limits`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobLimits {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_limits_type: Option<JobLimitsType>,
    /// ISO-8601 duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `queueSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueueSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_tier: Option<JobTier>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `identity` of a job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IdentityConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<IdentityConfigurationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `services` (Studio, Tracking, SSH, JupyterLab, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobService {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_service_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Job {
    /// A PUT body for a command job: `{"properties":{"jobType":"Command",…}}`.
    pub fn new_command(properties: JobProperties) -> Self {
        Job {
            properties: JobProperties {
                job_type: Some(JobType::Command),
                ..properties
            },
            ..Job::default()
        }
    }

    /// Reads a job; never fails. `raw` keeps `value`.
    pub fn from_value(value: Value) -> Self {
        let mut job = Job::default();
        let mut warnings = Vec::new();
        match &value {
            Value::Object(map) => {
                let mut map = map.clone();
                let w = &mut warnings;
                job.id = take_field(&mut map, "id", w);
                job.name = take_field(&mut map, "name", w);
                job.type_ = take_field(&mut map, "type", w);
                job.system_data = take_field(&mut map, "systemData", w);
                job.properties = take_properties(&mut map, w);
                job.extra = map;
            }
            _ => warnings.push("job is not a JSON object".to_owned()),
        }
        job.parse_warnings = warnings;
        job.raw = value;
        job
    }

    pub fn status(&self) -> Option<&JobStatus> {
        self.properties.status.as_ref()
    }

    /// The Studio (portal) link, `services.Studio.endpoint`.
    pub fn studio_url(&self) -> Option<&str> {
        self.properties
            .services
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Studio"))
            .and_then(|(_, service)| service.endpoint.as_deref())
    }

    /// `systemData.createdAt`, as received.
    pub fn created_at(&self) -> Option<&str> {
        self.system_data.as_ref()?.created_at.as_deref()
    }
}

impl<'de> Deserialize<'de> for Job {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Job::from_value(Value::deserialize(deserializer)?))
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("type_", &self.type_)
            .field("system_data", &self.system_data)
            .field("properties", &self.properties)
            .field("extra", &redact_json(&Value::Object(self.extra.clone())))
            .field("raw", &redact_json(&self.raw))
            .field("parse_warnings", &self.parse_warnings)
            .finish()
    }
}

/// Builder of a command-job PUT body; only what is set is sent.
///
/// ```
/// use amlc::azure::models::CommandJobRequest;
/// let job = CommandJobRequest::new("python train.py", "azureml:env:1")
///     .compute_id("/subscriptions/s/.../computes/cpu")
///     .experiment_name("exp")
///     .build();
/// let body = serde_json::to_value(&job).unwrap();
/// assert_eq!(body["properties"]["jobType"], "Command");
/// assert_eq!(body["properties"]["command"], "python train.py");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandJobRequest {
    properties: JobProperties,
}

impl CommandJobRequest {
    pub fn new(command: impl Into<String>, environment_id: impl Into<String>) -> Self {
        CommandJobRequest {
            properties: JobProperties {
                job_type: Some(JobType::Command),
                command: Some(command.into()),
                environment_id: Some(environment_id.into()),
                ..JobProperties::default()
            },
        }
    }

    pub fn compute_id(mut self, compute_id: impl Into<String>) -> Self {
        self.properties.compute_id = Some(compute_id.into());
        self
    }

    pub fn code_id(mut self, code_id: impl Into<String>) -> Self {
        self.properties.code_id = Some(code_id.into());
        self
    }

    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.properties.display_name = Some(name.into());
        self
    }

    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.properties.description = Some(description.into());
        self
    }

    pub fn experiment_name(mut self, name: impl Into<String>) -> Self {
        self.properties.experiment_name = Some(name.into());
        self
    }

    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.tags.insert(key.into(), value.into());
        self
    }

    pub fn property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.properties.insert(key.into(), value.into());
        self
    }

    pub fn environment_variable(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.properties
            .environment_variables
            .insert(key.into(), value.into());
        self
    }

    pub fn input(mut self, name: impl Into<String>, input: JobInput) -> Self {
        self.properties.inputs.insert(name.into(), input);
        self
    }

    pub fn output(mut self, name: impl Into<String>, output: JobOutput) -> Self {
        self.properties.outputs.insert(name.into(), output);
        self
    }

    pub fn service(mut self, name: impl Into<String>, service: JobService) -> Self {
        self.properties.services.insert(name.into(), service);
        self
    }

    pub fn resources(mut self, resources: JobResources) -> Self {
        self.properties.resources = Some(resources);
        self
    }

    pub fn instance_count(mut self, count: i64) -> Self {
        self.properties
            .resources
            .get_or_insert_with(JobResources::default)
            .instance_count = Some(count);
        self
    }

    pub fn instance_type(mut self, instance_type: impl Into<String>) -> Self {
        self.properties
            .resources
            .get_or_insert_with(JobResources::default)
            .instance_type = Some(instance_type.into());
        self
    }

    pub fn distribution(mut self, distribution: DistributionConfiguration) -> Self {
        self.properties.distribution = Some(distribution);
        self
    }

    /// `limits: {jobLimitsType: "Command", timeout}` (ISO-8601).
    pub fn timeout(mut self, timeout: impl Into<String>) -> Self {
        self.properties.limits = Some(JobLimits {
            job_limits_type: Some(JobLimitsType::Command),
            timeout: Some(timeout.into()),
            extra: Map::new(),
        });
        self
    }

    pub fn identity(mut self, identity_type: IdentityConfigurationType) -> Self {
        self.properties.identity = Some(IdentityConfiguration {
            identity_type: Some(identity_type),
            ..IdentityConfiguration::default()
        });
        self
    }

    pub fn job_tier(mut self, tier: JobTier) -> Self {
        self.properties.queue_settings = Some(QueueSettings {
            job_tier: Some(tier),
            extra: Map::new(),
        });
        self
    }

    /// The properties built so far.
    pub fn properties(&self) -> &JobProperties {
        &self.properties
    }

    /// The job to PUT.
    pub fn build(self) -> Job {
        Job::new_command(self.properties)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builder_sends_only_what_was_set() {
        let job = CommandJobRequest::new("echo hi", "azureml:env@latest")
            .instance_count(2)
            .timeout("PT1H")
            .tag("k", "v")
            .build();
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            json!({"properties": {
                "jobType": "Command", "command": "echo hi", "environmentId": "azureml:env@latest",
                "tags": {"k": "v"}, "resources": {"instanceCount": 2},
                "limits": {"jobLimitsType": "Command", "timeout": "PT1H"}
            }})
        );
    }

    #[test]
    fn odd_fields_do_not_lose_the_job() {
        let value = json!({"name": "j1", "properties": {
            "jobType": "Command", "status": "Exploded", "inputs": "not-a-map",
            "services": {"studio": {"endpoint": "https://ml.azure.com/runs/j1"}}
        }});
        let job: Job = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(job.name.as_deref(), Some("j1"));
        assert_eq!(job.status().map(JobStatus::as_str), Some("Exploded"));
        assert!(job.properties.inputs.is_empty());
        assert_eq!(
            job.properties.extra.get("inputs"),
            Some(&json!("not-a-map"))
        );
        assert_eq!(job.parse_warnings.len(), 1, "{:?}", job.parse_warnings);
        assert_eq!(job.studio_url(), Some("https://ml.azure.com/runs/j1"));
        assert_eq!(job.raw, value);
        assert_eq!(serde_json::to_value(&job).unwrap(), value);
    }
}
