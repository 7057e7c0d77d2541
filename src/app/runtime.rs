//! The runtime: carries out the fetch effects of `App::update` on tokio tasks and sends each
//! answer back as a message tagged with its request id. It holds the data source (the Azure ML
//! client) and nothing of the app's state, so requests never block input and a slow answer is
//! simply dropped by `update` when it is stale. Every request has an overall timeout. Effects
//! that touch the terminal (clipboard) or the connection are left to the terminal loop.

use super::JOB_LIST_LIMIT;
use super::msg::{Effect, Msg};
use crate::azure::AmlClient;
use crate::azure::jobs::JobListOptions;
use crate::azure::models::{AmlComputeNodeInformation, ComputeResource, Job};
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

/// Where the data comes from (the Azure ML client; tests use a fake).
pub trait DataSource: Clone + Send + Sync + 'static {
    fn list_computes(&self) -> impl Future<Output = Result<Vec<ComputeResource>, String>> + Send;
    fn list_jobs(&self, limit: usize) -> impl Future<Output = Result<Vec<Job>, String>> + Send;
    fn list_nodes(
        &self,
        compute: String,
    ) -> impl Future<Output = Result<Vec<AmlComputeNodeInformation>, String>> + Send;
    /// HTTP requests on the wire now.
    fn in_flight(&self) -> usize;
}

impl DataSource for AmlClient {
    async fn list_computes(&self) -> Result<Vec<ComputeResource>, String> {
        AmlClient::list_computes(self)
            .await
            .map_err(|e| e.to_string())
    }

    async fn list_jobs(&self, limit: usize) -> Result<Vec<Job>, String> {
        let options = JobListOptions {
            max_results: Some(limit),
            ..JobListOptions::default()
        };
        AmlClient::list_jobs(self, &options)
            .await
            .map_err(|e| e.to_string())
    }

    async fn list_nodes(&self, compute: String) -> Result<Vec<AmlComputeNodeInformation>, String> {
        AmlClient::list_nodes(self, &compute)
            .await
            .map_err(|e| e.to_string())
    }

    fn in_flight(&self) -> usize {
        self.pipeline().in_flight()
    }
}

/// Runs fetches for the app.
pub struct Runtime<S: DataSource> {
    source: Option<S>,
    tx: UnboundedSender<Msg>,
    timeout: Duration,
    tasks: JoinSet<()>,
}

impl<S: DataSource> Runtime<S> {
    /// `timeout` bounds a whole fetch (all its pages and retries).
    pub fn new(tx: UnboundedSender<Msg>, timeout: Duration) -> Self {
        Runtime {
            source: None,
            tx,
            timeout,
            tasks: JoinSet::new(),
        }
    }

    /// Uses `source` from now on (a new connection). Requests of the old one keep running until
    /// they end; their answers are stale and dropped by the app.
    pub fn set_source(&mut self, source: S) {
        self.source = Some(source);
    }

    pub fn source(&self) -> Option<&S> {
        self.source.as_ref()
    }

    pub fn in_flight(&self) -> usize {
        self.source.as_ref().map(DataSource::in_flight).unwrap_or(0)
    }

    /// Tasks not yet finished.
    pub fn pending(&mut self) -> usize {
        while self.tasks.try_join_next().is_some() {}
        self.tasks.len()
    }

    /// Starts the effect if it is a fetch and returns `None`; returns any other effect for
    /// the caller to handle. Without a source, a fetch is answered at once with an error.
    pub fn execute(&mut self, effect: Effect) -> Option<Effect> {
        while self.tasks.try_join_next().is_some() {}
        let tx = self.tx.clone();
        let timeout = self.timeout;
        let Some(source) = self.source.clone() else {
            let error = "not connected".to_owned();
            let msg = match effect {
                Effect::FetchComputes(id) => Msg::ComputesLoaded {
                    id,
                    result: Err(error),
                },
                Effect::FetchJobs(id) => Msg::JobsLoaded {
                    id,
                    result: Err(error),
                },
                Effect::FetchNodes(id, compute) => Msg::NodesLoaded {
                    id,
                    compute,
                    result: Err(error),
                },
                other => return Some(other),
            };
            let _ = tx.send(msg);
            return None;
        };
        match effect {
            Effect::FetchComputes(id) => {
                self.tasks.spawn(async move {
                    let result = with_timeout(timeout, source.list_computes()).await;
                    let _ = tx.send(Msg::ComputesLoaded { id, result });
                });
            }
            Effect::FetchJobs(id) => {
                self.tasks.spawn(async move {
                    let result = with_timeout(timeout, source.list_jobs(JOB_LIST_LIMIT)).await;
                    let _ = tx.send(Msg::JobsLoaded { id, result });
                });
            }
            Effect::FetchNodes(id, compute) => {
                self.tasks.spawn(async move {
                    let result = with_timeout(timeout, source.list_nodes(compute.clone())).await;
                    let _ = tx.send(Msg::NodesLoaded {
                        id,
                        compute,
                        result,
                    });
                });
            }
            other => return Some(other),
        }
        None
    }

    /// Stops every running request (at exit).
    pub fn shutdown(&mut self) {
        self.tasks.abort_all();
    }
}

async fn with_timeout<T>(
    timeout: Duration,
    fut: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::RequestId;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Clone, Default)]
    struct Fake {
        calls: Arc<AtomicUsize>,
        delay_ms: u64,
    }

    impl DataSource for Fake {
        async fn list_computes(&self) -> Result<Vec<ComputeResource>, String> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
            Ok(Vec::new())
        }
        async fn list_jobs(&self, _limit: usize) -> Result<Vec<Job>, String> {
            Err("jobs are broken".into())
        }
        async fn list_nodes(&self, _c: String) -> Result<Vec<AmlComputeNodeInformation>, String> {
            Ok(Vec::new())
        }
        fn in_flight(&self) -> usize {
            0
        }
    }

    #[tokio::test]
    async fn fetches_answer_with_their_request_id() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_secs(5));
        rt.set_source(Fake::default());
        assert_eq!(rt.execute(Effect::FetchComputes(RequestId(3))), None);
        assert_eq!(rt.execute(Effect::FetchJobs(RequestId(4))), None);
        let mut seen = Vec::new();
        for _ in 0..2 {
            match rx.recv().await.unwrap() {
                Msg::ComputesLoaded { id, result } => seen.push((id, result.is_ok())),
                Msg::JobsLoaded { id, result } => seen.push((id, result.is_ok())),
                other => panic!("{other:?}"),
            }
        }
        seen.sort();
        assert_eq!(seen, vec![(RequestId(3), true), (RequestId(4), false)]);
        // Non-fetch effects are handed back.
        assert_eq!(rt.execute(Effect::Quit), Some(Effect::Quit));
    }

    #[tokio::test]
    async fn slow_requests_time_out_and_do_not_block() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt = Runtime::new(tx, Duration::from_millis(50));
        rt.set_source(Fake {
            delay_ms: 10_000,
            ..Fake::default()
        });
        let started = std::time::Instant::now();
        rt.execute(Effect::FetchComputes(RequestId(1)));
        // `execute` returned at once; the answer is a timeout.
        assert!(started.elapsed() < Duration::from_millis(40));
        match rx.recv().await.unwrap() {
            Msg::ComputesLoaded { result: Err(e), .. } => assert!(e.contains("no answer"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn without_a_source_fetches_fail_fast() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rt: Runtime<Fake> = Runtime::new(tx, Duration::from_secs(1));
        rt.execute(Effect::FetchNodes(RequestId(9), "c".into()));
        match rx.recv().await.unwrap() {
            Msg::NodesLoaded {
                id, result: Err(_), ..
            } => assert_eq!(id, RequestId(9)),
            other => panic!("{other:?}"),
        }
    }
}
