//! The emulator's network side: the axum router of all routes, the accept loop (plain TCP or
//! TLS) serving HTTP/1.1 connections with hyper, and the outer per-request service that
//! canonicalises ARM path literals, applies injected faults (latency, 500, 429 with
//! `Retry-After`, or closing the connection without a response) to every route but `/health`, and
//! adds ARM's request-id headers (Blob Storage answers under `/storage/` keep their own error shape
//! and path case). Also the simulation loop that ticks the world. Connections end
//! on shutdown (gracefully) or at once after a simulated crash.

use super::faults::Fate;
use super::http::{ApiError, arm_shaped_errors, canonical_path, require_api_version, require_auth};
use super::model::{World, now_ms};
use super::shared::Sh;
use super::{arm, assets, history, jobs, runner, shared, sim, storage};
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, Response, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const WS: &str = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}";
const LOC: &str =
    "/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{loc}";

pub fn router(sh: Sh) -> Router {
    let p = |suffix: &str| format!("{WS}{suffix}");
    let l = |suffix: &str| format!("{LOC}{suffix}");
    let arm_routes = Router::new()
        .route("/subscriptions", get(arm::list_subscriptions))
        .route("/subscriptions/{sub}/resourceGroups", get(arm::list_resource_groups))
        .route(
            "/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/workspaces",
            get(arm::list_workspaces_in_sub),
        )
        .route(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces",
            get(arm::list_workspaces_in_rg),
        )
        .route(WS, get(arm::get_workspace).put(arm::put_workspace))
        .route(&p("/computes"), get(arm::list_computes))
        .route(
            &p("/computes/{name}"),
            get(arm::get_compute)
                .put(arm::put_compute)
                .patch(arm::patch_compute)
                .delete(arm::delete_compute),
        )
        .route(&p("/computes/{name}/{action}"), post(arm::compute_action))
        .route(&p("/jobs"), get(jobs::list_jobs))
        .route(
            &p("/jobs/{name}"),
            get(jobs::get_job).put(jobs::put_job).delete(jobs::delete_job),
        )
        .route(&p("/jobs/{name}/cancel"), post(jobs::cancel_job))
        .route(&l("/vmSizes"), get(arm::vm_sizes))
        .route(&l("/usages"), get(arm::usages))
        .route(&l("/quotas"), get(arm::quotas))
        .route(&l("/updateQuotas"), post(arm::update_quotas))
        .route(&l("/computeOperationsStatus/{id}"), get(arm::compute_op_status))
        .route(&l("/mfeOperationsStatus/{id}"), get(arm::mfe_op_status))
        .route(&l("/computeOperationsResult/{id}"), get(arm::op_result))
        .route(&l("/mfeOperationResults/{id}"), get(arm::op_result))
        .layer(from_fn(require_api_version))
        .layer(from_fn_with_state(sh.clone(), require_auth));
    let history_routes = Router::new()
        .route(
            &format!("/history/v1.0{WS}/runs/{{run}}/details"),
            get(history::run_details),
        )
        .route(
            &format!("/history/v1.0{WS}/runs/{{run}}"),
            get(history::run_details),
        )
        .layer(from_fn_with_state(sh.clone(), require_auth));
    // Asset routes accept any api-version (the SDK sends several, submit.md §0).
    let asset_routes = Router::new()
        .route(&p("/codes"), get(assets::list_codes))
        .route(&p("/codes/{name}"), get(assets::get_code))
        .route(
            &p("/codes/{name}/versions"),
            get(assets::list_code_versions),
        )
        .route(
            &p("/codes/{name}/versions/{version}"),
            get(assets::get_code_version).put(assets::put_code_version),
        )
        .route(
            &p("/codes/{name}/versions/{version}/startPendingUpload"),
            post(assets::start_pending_upload),
        )
        .route(&p("/environments"), get(assets::list_environments))
        .route(&p("/environments/{name}"), get(assets::get_environment))
        .route(
            &p("/environments/{name}/versions"),
            get(assets::list_environment_versions),
        )
        .route(
            &p("/environments/{name}/versions/{version}"),
            get(assets::get_environment_version).put(assets::put_environment_version),
        )
        .route(&p("/datastores"), get(assets::list_datastores))
        .route(&p("/datastores/{name}"), get(assets::get_datastore))
        .route(
            &p("/datastores/{name}/listSecrets"),
            post(assets::list_secrets),
        )
        .layer(from_fn_with_state(sh.clone(), require_auth));
    // Blob Storage: its own auth (SAS or bearer), bodies streamed to disk with their own limit.
    let storage_routes = Router::new()
        .route(
            "/storage/{account}/{container}",
            any(storage::container_route),
        )
        .route(
            "/storage/{account}/{container}/{*blob}",
            any(storage::blob_route),
        )
        .layer(DefaultBodyLimit::disable());
    let open = Router::new()
        .route("/health", get(history::health))
        .route("/discovery", get(history::discovery))
        .route("/blob/{*path}", get(history::blob));
    Router::new()
        .merge(arm_routes)
        .merge(asset_routes)
        .merge(storage_routes)
        .merge(history_routes)
        .merge(open)
        .fallback(arm::fallback)
        .with_state(sh)
}

/// The error a service returns to make hyper close the connection without answering.
#[derive(Debug)]
pub struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedByFault {}

async fn handle(
    sh: Sh,
    router: Router,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, DroppedByFault> {
    sh.last_request_ms
        .store(now_ms(), std::sync::atomic::Ordering::SeqCst);
    let path = req.uri().path().to_string();
    let is_storage = path.starts_with("/storage/");
    if !is_storage && let Some(canonical) = canonical_path(&path) {
        let pq = match req.uri().query() {
            Some(q) => format!("{canonical}?{q}"),
            None => canonical,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    let client_id = req.headers().get("x-ms-client-request-id").cloned();
    let correlation = req.headers().get("x-ms-correlation-request-id").cloned();
    let is_read =
        req.method() == axum::http::Method::GET || req.method() == axum::http::Method::HEAD;
    let is_arm = path.len() > 1 && path[1..].to_ascii_lowercase().starts_with("subscriptions");
    let mut resp = None;
    if path != "/health"
        && let Some(spec) = sh.faults.as_ref().filter(|s| !s.is_noop())
    {
        let n = sh
            .fault_seq
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if !spec.latency.is_zero() {
            tokio::time::sleep(spec.latency).await;
        }
        match spec.fate(n) {
            Fate::Pass => {}
            Fate::Drop => return Err(DroppedByFault),
            Fate::Error => {
                resp = Some(
                    ApiError::internal(
                        "Injected fault: the server had an internal error. Please retry.",
                    )
                    .into_response(),
                )
            }
            Fate::Throttle => {
                let secs = spec.retry_after.as_secs().max(1).to_string();
                resp = Some(
                    ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "TooManyRequests",
                        "The request was throttled (injected fault). Retry after the delay in the Retry-After header.",
                    )
                    .header(axum::http::header::RETRY_AFTER, secs)
                    .header(
                        axum::http::HeaderName::from_static(if is_read {
                            "x-ms-ratelimit-remaining-subscription-reads"
                        } else {
                            "x-ms-ratelimit-remaining-subscription-writes"
                        }),
                        "0",
                    )
                    .into_response(),
                )
            }
        }
    }
    let mut resp = match resp {
        Some(r) => r,
        None => match router.oneshot(req).await {
            // Blob downloads answer in the storage service's own error shape.
            Ok(r) if path.starts_with("/blob/") || is_storage => r,
            Ok(r) => arm_shaped_errors(r).await,
            Err(never) => match never {},
        },
    };
    let h = resp.headers_mut();
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-ms-request-id", v.clone());
        h.insert("x-ms-correlation-request-id", correlation.unwrap_or(v));
    }
    if let Some(c) = client_id {
        h.insert("x-ms-client-request-id", c);
    }
    if is_arm
        && !h.contains_key("x-ms-ratelimit-remaining-subscription-reads")
        && !h.contains_key("x-ms-ratelimit-remaining-subscription-writes")
    {
        if is_read {
            h.insert(
                "x-ms-ratelimit-remaining-subscription-reads",
                HeaderValue::from_static("11999"),
            );
        } else {
            h.insert(
                "x-ms-ratelimit-remaining-subscription-writes",
                HeaderValue::from_static("1199"),
            );
        }
    }
    Ok(resp)
}

async fn serve_conn<I>(io: I, sh: Sh, router: Router, cancel: CancellationToken)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| handle(sh.clone(), router.clone(), req));
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(3), conn).await;
        }
    }
}

/// Accepts connections until `cancel` fires.
pub async fn accept_loop(
    sh: Sh,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    cancel: CancellationToken,
    conns: shared::Tracker,
) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("emulator: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (sh, router, cancel, tls) = (sh.clone(), router.clone(), cancel.clone(), tls.clone());
                conns.spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                serve_conn(TokioIo::new(s), sh, router, cancel).await;
                            }
                        }
                        None => serve_conn(TokioIo::new(stream), sh, router, cancel).await,
                    }
                });
            }
        }
    }
}

/// Ticks the simulation until `cancel` fires: at the next deadline, when a request changed
/// something, and at least every 250 ms. A panic inside a tick is caught and logged, and the loop
/// goes on (backing off while ticks keep panicking), so one bad resource never freezes the rest.
pub async fn sim_loop(sh: Sh, cancel: CancellationToken) {
    run_sim_loop(sh, cancel, sim::tick).await;
}

/// The loop behind [`sim_loop`], with the tick function as a parameter so a test can make it panic.
async fn run_sim_loop<F>(sh: Sh, cancel: CancellationToken, tick: F)
where
    F: Fn(&mut World, i64, f64) -> sim::Tick,
{
    let mut panics_in_a_row: u32 = 0;
    loop {
        if sh.is_dead() || cancel.is_cancelled() {
            break;
        }
        let now = now_ms();
        let step = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let (changed, effects, next) = {
                let mut world = sh.lock();
                let t = tick(&mut world, now, sh.speed);
                (t.changed, t.effects, sim::next_due(&world, sh.speed, now))
            };
            runner::execute(&sh, effects);
            (changed, next)
        }));
        let (changed, wait) = match step {
            Ok((changed, next)) => {
                panics_in_a_row = 0;
                let wait = next
                    .map(|due| due.saturating_sub(now_ms()).clamp(1, 250))
                    .unwrap_or(250) as u64;
                (changed, wait)
            }
            Err(payload) => {
                panics_in_a_row = panics_in_a_row.saturating_add(1);
                tracing::error!(
                    "emulator: a simulation step panicked ({}); {} in a row, the simulation goes on",
                    panic_message(payload.as_ref()),
                    panics_in_a_row
                );
                // The tick may have changed the world before it panicked: save what it did.
                let backoff = 250u64 << panics_in_a_row.min(5);
                (true, backoff.min(5_000))
            }
        };
        if changed && let Err(e) = sh.persist().await {
            tracing::error!("emulator: could not save state: {e}");
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = sh.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
        }
    }
}

/// The message of a panic payload (`panic!` with a literal or a formatted string).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "no message"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::shared::Shared;
    use crate::emulator::store::Paths;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_simulation_loop_survives_a_panicking_tick() {
        let dir = tempfile::tempdir().unwrap();
        let sh: Sh = Arc::new(Shared::new(
            1000.0,
            url::Url::parse("http://127.0.0.1:1/").unwrap(),
            "t".into(),
            vec![7; 32],
            Paths {
                root: dir.path().to_path_buf(),
            },
            World::new(),
            None,
        ));
        let calls = Arc::new(AtomicU32::new(0));
        let counted = calls.clone();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run_sim_loop(
            sh.clone(),
            cancel.clone(),
            move |w, now, speed| {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("a tick that fails once");
                }
                sim::tick(w, now, speed)
            },
        ));
        let started = std::time::Instant::now();
        while calls.load(Ordering::SeqCst) < 3 {
            assert!(
                !task.is_finished(),
                "the loop ended after {} ticks",
                calls.load(Ordering::SeqCst)
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no tick after the panic"
            );
            sh.kick();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the loop stops when cancelled")
            .expect("the loop task did not panic");
    }
}
