//! A typed client of an in-process emulator for tests: its token, its URL, a workspace of the
//! demo subscription and group, and quick retries (20 ms back-off, up to 8 attempts) so faults
//! injected by the emulator cost little time.

use amlc::azure::http::{Pipeline, PipelineOptions, RetryPolicy, StaticBearer};
use amlc::azure::{AmlClient, Cloud, WorkspaceContext};
use amlc::emulator::{self, EmulatorHandle};
use std::sync::Arc;
use std::time::Duration;

pub fn client_for(handle: &EmulatorHandle, workspace: &str) -> AmlClient {
    client_with_attempts(handle, workspace, 8)
}

/// A client of `workspace` that tries each request at most `max_attempts` times (1: every
/// fault reaches the caller).
pub fn client_with_attempts(
    handle: &EmulatorHandle,
    workspace: &str,
    max_attempts: u32,
) -> AmlClient {
    let options = PipelineOptions {
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_millis(200),
        },
        ..PipelineOptions::default()
    };
    let pipeline =
        Pipeline::new(Some(Arc::new(StaticBearer::new(handle.token()))), options).unwrap();
    let ctx = WorkspaceContext::new(
        Cloud::Custom(handle.url().clone()),
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP,
        workspace,
    );
    AmlClient::new(ctx, pipeline)
}
