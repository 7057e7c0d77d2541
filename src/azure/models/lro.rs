//! The body of an ARM async-operation status resource (API reference §1.1), polled at the
//! `Azure-AsyncOperation` URL: `{"status":"InProgress"}` at the least. The polling itself lives
//! in `azure::lro`; this is the shape only.

use super::enums::AsyncOperationState;
use crate::azure::error::ErrorDetail;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `{id?, name?, status, startTime?, endTime?, percentComplete?, error?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AsyncOperationStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AsyncOperationState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_complete: Option<f64>,
    /// Only when the operation failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AsyncOperationStatus {
    /// A body with only `status` (what AML sends while running).
    pub fn new(status: AsyncOperationState) -> Self {
        AsyncOperationStatus {
            status: Some(status),
            ..AsyncOperationStatus::default()
        }
    }

    /// Succeeded, Failed or Canceled.
    pub fn is_terminal(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(AsyncOperationState::is_terminal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_and_failed_bodies() {
        let running: AsyncOperationStatus =
            serde_json::from_value(json!({"status": "InProgress"})).unwrap();
        assert!(!running.is_terminal());
        assert_eq!(
            serde_json::to_value(&running).unwrap(),
            json!({"status": "InProgress"})
        );
        let failed: AsyncOperationStatus = serde_json::from_value(json!({
            "status": "failed", "error": {"code": "QuotaExceeded", "message": "no cores"},
            "percentComplete": 100
        }))
        .unwrap();
        assert!(failed.is_terminal());
        assert_eq!(failed.status, Some(AsyncOperationState::Failed));
        assert_eq!(
            failed.error.map(|e| e.code).as_deref(),
            Some("QuotaExceeded")
        );
        assert_eq!(failed.percent_complete, Some(100.0));
    }
}
