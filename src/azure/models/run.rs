//! Run history's run details (API reference §6), polled while tailing logs: status, times,
//! `logFiles` (name → signed URL), warnings and the error. Reading it never fails because of a
//! field of an unexpected shape (set aside in `extra`), and a `logFiles` entry that is not a
//! string is skipped rather than losing the others. Signed URLs are secrets: `Debug` masks
//! their query. No I/O here.

use super::job_enums::JobStatus;
use super::secret::redact_json;
use super::util::{has_extra, null_as_default, salvage_with};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// `GET …/runs/{id}/details`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", default, rename_all = "camelCase")]
pub struct RunDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_run_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_run_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_run_id: Option<String>,
    /// The compute target name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunErrorResponse>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub warnings: Vec<RunWarning>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub tags: Map<String, Value>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub properties: Map<String, Value>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub services: Map<String, Value>,
    /// Log file name → signed (SAS) URL. Entries whose value is not a string are skipped.
    #[serde(
        deserialize_with = "string_entries",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub log_files: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute: Option<RunCompute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<RunUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_duration: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

has_extra!(RunDetails);

fn string_entries<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let entries = Option::<Map<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(entries
        .into_iter()
        .filter_map(|(name, url)| match url {
            Value::String(url) => Some((name, url)),
            _ => None,
        })
        .collect())
}

impl Serialize for RunDetails {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RunDetails::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for RunDetails {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        salvage_with(value, RunDetails::deserialize)
            .map(|(details, _)| details)
            .map_err(serde::de::Error::custom)
    }
}

impl RunDetails {
    /// Reads run details, with the names of the fields set aside as unreadable.
    pub fn from_value(value: Value) -> Result<(Self, Vec<String>), String> {
        salvage_with(value, RunDetails::deserialize)
    }

    /// `code: message` of the run's error, if it has one.
    pub fn error_summary(&self) -> Option<String> {
        let error = self.error.as_ref()?.error.as_ref()?;
        let code = error.code.as_deref().unwrap_or_default();
        let message = error.message.as_deref().unwrap_or_default();
        match (code.is_empty(), message.is_empty()) {
            (true, true) => None,
            (false, true) => Some(code.to_owned()),
            (true, false) => Some(message.to_owned()),
            (false, false) => Some(format!("{code}: {message}")),
        }
    }

    /// The warnings' messages.
    pub fn warning_messages(&self) -> Vec<&str> {
        self.warnings
            .iter()
            .filter_map(|w| w.message.as_deref())
            .collect()
    }
}

impl fmt::Debug for RunDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = Value::Null;
        if let Ok(value) = serde_json::to_value(self) {
            shown = redact_json(&value);
        }
        write!(f, "RunDetails({shown})")
    }
}

/// `error` of run details: `{error:{…}, correlation, environment, location, time, componentName}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunErrorResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The error proper (run history's root error shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub details: Vec<RunError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<Value>,
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub additional_info: Vec<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `warnings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunWarning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `compute` of run details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunCompute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `createdBy` of run details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "runId": "r1", "status": "Failed", "target": "cpu",
            "startTimeUtc": "2024-01-01T00:00:00Z",
            "logFiles": {
                "user_logs/std_log.txt": "https://a.blob.core.windows.net/c/std_log.txt?sv=1&sig=SIG&sp=r",
                "broken": null
            },
            "warnings": [{"source": "x", "message": "careful"}],
            "error": {"error": {"code": "UserError", "message": "boom", "severity": null,
                "innerError": {"code": "Inner"}}, "time": "t"},
            "runNumber": "not-a-number",
            "compute": {"target": "cpu", "vmSize": "STANDARD_D2", "instanceCount": 1}
        })
    }

    #[test]
    fn run_details_read_leniently() {
        let details: RunDetails = serde_json::from_value(sample()).unwrap();
        assert_eq!(details.status, Some(JobStatus::Failed));
        assert_eq!(details.log_files.len(), 1);
        assert!(details.log_files["user_logs/std_log.txt"].contains("sig=SIG"));
        assert_eq!(details.error_summary().as_deref(), Some("UserError: boom"));
        assert_eq!(details.warning_messages(), vec!["careful"]);
        assert_eq!(details.run_number, None);
        assert_eq!(details.extra.get("runNumber"), Some(&json!("not-a-number")));
        let (_, warnings) = RunDetails::from_value(sample()).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("runNumber"));
        assert_eq!(
            details.compute.and_then(|c| c.vm_size).as_deref(),
            Some("STANDARD_D2")
        );
    }

    #[test]
    fn debug_hides_signed_urls() {
        let details: RunDetails = serde_json::from_value(sample()).unwrap();
        let debug = format!("{details:?}");
        assert!(!debug.contains("SIG"), "{debug}");
        assert!(debug.contains("user_logs/std_log.txt"));
    }
}
