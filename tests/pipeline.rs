//! The HTTP pipeline and long-running operations against a scripted server on 127.0.0.1.

mod common;

use amlc::azure::error::{AzureError, ErrorKind};
use amlc::azure::http::{Pipeline, PipelineOptions, Request, RetryPolicy, StaticBearer};
use amlc::azure::lro::{LroProgress, Operation, Tracking, WaitOptions};
use amlc::azure::{AmlClient, Cloud, WorkspaceContext};
use common::{Answer, ScriptServer, reply, reply_with, slow};
use reqwest::Method;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WS: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

fn fast_options() -> PipelineOptions {
    PipelineOptions {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(5),
        },
        ca_certs: Vec::new(),
    }
}

fn pipeline() -> Pipeline {
    Pipeline::new(
        Some(Arc::new(StaticBearer::new("test-token"))),
        fast_options(),
    )
    .unwrap()
}

fn client(server: &ScriptServer) -> AmlClient {
    let ctx = WorkspaceContext::new(server.base.parse::<Cloud>().unwrap(), "sub", "rg", "ws");
    AmlClient::new(ctx, pipeline())
}

fn fast_wait() -> WaitOptions {
    WaitOptions {
        deadline: Duration::from_secs(20),
        default_interval: Duration::from_millis(20),
        min_interval: Duration::from_millis(10),
        ..WaitOptions::default()
    }
}

#[tokio::test]
async fn throttled_429_with_retry_after_then_success() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![
            reply_with(
                429,
                &[("Retry-After", "1")],
                r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
            ),
            reply(200, r#"{"ok":true}"#),
        ],
    );
    let started = Instant::now();
    let value: serde_json::Value = pipeline()
        .send_json(Request::get(server.url("/x")))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After not honoured: {:?}",
        started.elapsed()
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // Same client request id across the retry, bearer and user agent on both.
    let ids: Vec<_> = requests
        .iter()
        .map(|r| r.header("x-ms-client-request-id").unwrap().to_string())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0].len(), 36);
    for r in &requests {
        assert_eq!(r.header("authorization"), Some("Bearer test-token"));
        assert!(r.header("user-agent").unwrap().starts_with("amlc/"));
    }
}

#[tokio::test]
async fn retry_after_ms_is_preferred() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![
            reply_with(
                503,
                &[("retry-after-ms", "50"), ("Retry-After", "30")],
                "{}",
            ),
            reply(200, "{}"),
        ],
    );
    let started = Instant::now();
    pipeline()
        .send(Request::get(server.url("/x")))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.count("GET", "/x"), 2);
}

#[tokio::test]
async fn server_errors_then_success() {
    for status in [500, 502, 503, 504, 408] {
        let server = ScriptServer::start().await;
        server.on(
            "GET",
            "/x",
            vec![
                reply(status, "oops"),
                reply(status, "{}"),
                reply(200, r#"{"n":1}"#),
            ],
        );
        let v: serde_json::Value = pipeline()
            .send_json(Request::get(server.url("/x")))
            .await
            .unwrap();
        assert_eq!(v["n"], 1, "status {status}");
        assert_eq!(server.count("GET", "/x"), 3, "status {status}");
    }
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_is_typed() {
    let server = ScriptServer::start().await;
    let body = r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#;
    server.on(
        "GET",
        "/x",
        vec![
            reply(503, body),
            reply(503, body),
            reply(503, body),
            reply(503, body),
            reply(200, "{}"),
        ],
    );
    let err = pipeline()
        .send(Request::get(server.url("/x")))
        .await
        .unwrap_err();
    assert_eq!(server.count("GET", "/x"), 4);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), Some("ServiceUnavailable"));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![reply_with(
            404,
            &[("x-ms-request-id", "req-42")],
            r#"{"error":{"code":"ResourceNotFound","message":"no such compute","target":"gpu"}}"#,
        )],
    );
    let err = pipeline()
        .send(Request::get(server.url("/x")))
        .await
        .unwrap_err();
    assert_eq!(server.count("GET", "/x"), 1);
    assert!(err.is_not_found());
    let text = err.to_string();
    assert!(
        text.starts_with("404 Not Found: ResourceNotFound: no such compute"),
        "cause first: {text}"
    );
    assert!(text.contains("— GET 127.0.0.1:"), "{text}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        text.contains("ResourceNotFound: no such compute (target: gpu)"),
        "{text}"
    );
    assert!(text.contains("req-42"), "{text}");
}

#[tokio::test]
async fn reset_connection_then_success() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![Answer::Drop, Answer::Drop, reply(200, r#"{"ok":1}"#)],
    );
    let v: serde_json::Value = pipeline()
        .send_json(Request::get(server.url("/x")))
        .await
        .unwrap();
    assert_eq!(v["ok"], 1);
    assert_eq!(server.count("GET", "/x"), 3);
}

#[tokio::test]
async fn dropped_every_time_is_a_transport_error() {
    let server = ScriptServer::start().await;
    server.on("GET", "/x", vec![Answer::Drop; 4]);
    let err = pipeline()
        .send(Request::get(server.url("/x?sig=SECRET")))
        .await
        .unwrap_err();
    assert!(matches!(err, AzureError::Transport { .. }), "{err:?}");
    assert!(!err.to_string().contains("SECRET"));
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![slow(200, "{}", Duration::from_secs(3)); 2],
    );
    let mut options = fast_options();
    options.timeout = Duration::from_millis(300);
    options.retry.max_attempts = 2;
    let p = Pipeline::new(None, options).unwrap();
    let started = Instant::now();
    let err = p.send(Request::get(server.url("/x"))).await.unwrap_err();
    assert!(matches!(err, AzureError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_json_is_a_clear_error() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![reply(200, r#"{"value": [ {"name": "a" "#)],
    );
    let err = pipeline()
        .send_json::<serde_json::Value>(Request::get(server.url("/x")))
        .await
        .unwrap_err();
    assert!(matches!(err, AzureError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("could not read the response: "),
        "{err}"
    );
}

#[tokio::test]
async fn no_bearer_over_plain_http_to_a_remote_host() {
    let p = pipeline();
    let err = p
        .send(Request::get(
            url::Url::parse("http://compute.example.invalid/x").unwrap(),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AzureError::InsecureTransport { .. }),
        "{err:?}"
    );
    // Open routes (no bearer) are allowed to try.
    let server = ScriptServer::start().await;
    server.on("GET", "/open", vec![reply(200, "{}")]);
    p.send(Request::get(server.url("/open")).without_auth())
        .await
        .unwrap();
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn paging_follows_next_link_over_three_pages() {
    let server = ScriptServer::start().await;
    let path = format!("{WS}/computes");
    let item = |name: &str, kind: &str| {
        format!(
            r#"{{"id":"{WS}/computes/{name}","name":"{name}","type":"Microsoft.MachineLearningServices/workspaces/computes","location":"eastus","properties":{{"computeType":"{kind}","provisioningState":"Succeeded"}}}}"#
        )
    };
    server.on(
        "GET",
        &path,
        vec![
            reply(200, &format!(r#"{{"value":[{},{}],"nextLink":"{{base}}{}?api-version=2025-12-01&$skip=p2"}}"#, item("a1", "AmlCompute"), item("a2", "ComputeInstance"), &path[1..])),
            reply(200, &format!(r#"{{"value":[{}],"nextLink":"{{base}}{}?$skip=p3"}}"#, item("b1", "AKS"), &path[1..])),
            reply(200, &format!(r#"{{"value":[{}],"nextLink":null}}"#, item("c1", "QuantumCompute"))),
        ],
    );
    let computes = client(&server).list_computes().await.unwrap();
    let names: Vec<&str> = computes
        .iter()
        .map(|c| c.name.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(names, ["a1", "a2", "b1", "c1"]);
    assert_eq!(computes[3].type_name(), "QuantumCompute");
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets.len(), 3);
    assert!(
        targets[1].contains("%24skip=p2") || targets[1].contains("$skip=p2"),
        "{targets:?}"
    );
    // A nextLink without api-version gets ours back.
    assert!(targets[2].contains("api-version=2025-12-01"), "{targets:?}");
}

fn async_op_put(
    server: &ScriptServer,
    final_status: &str,
    error: Option<&str>,
) -> (String, String) {
    let resource = format!("{WS}/computes/cpu1");
    let status_path = "/subscriptions/sub/providers/Microsoft.MachineLearningServices/locations/eastus/computeOperationsStatus/op1";
    let header_value = format!(
        "{{base}}{}?api-version=2025-12-01&service=new",
        &status_path[1..]
    );
    server.on(
        "PUT",
        &resource,
        vec![reply_with(
            201,
            &[("Azure-AsyncOperation", &header_value), ("Retry-After", "0")],
            r#"{"name":"cpu1","properties":{"computeType":"AmlCompute","provisioningState":"Creating"}}"#,
        )],
    );
    let final_body = match error {
        Some(e) => format!(r#"{{"status":"{final_status}","error":{e}}}"#),
        None => format!(r#"{{"status":"{final_status}"}}"#),
    };
    server.on(
        "GET",
        status_path,
        vec![
            reply(200, r#"{"status":"InProgress"}"#),
            reply(200, r#"{"status":"InProgress"}"#),
            reply(200, &final_body),
        ],
    );
    (resource, status_path.to_string())
}

#[tokio::test]
async fn async_operation_ends_succeeded_with_the_final_resource() {
    let server = ScriptServer::start().await;
    let (resource, status_path) = async_op_put(&server, "Succeeded", None);
    server.on(
        "GET",
        &resource,
        vec![reply(200, r#"{"name":"cpu1","properties":{"computeType":"AmlCompute","provisioningState":"Succeeded"}}"#)],
    );
    let p = pipeline();
    let url = server.url(&format!("{resource}?api-version=2025-12-01"));
    let initial = p
        .send(Request::new(Method::PUT, url.clone()).json(serde_json::json!({"properties":{}})))
        .await
        .unwrap();
    let op = Operation::from_initial(p.clone(), "create cpu1", url, initial).unwrap();
    assert!(matches!(op.tracking(), Tracking::AsyncOperation { .. }));
    let seen: Arc<Mutex<Vec<LroProgress>>> = Arc::default();
    let sink = seen.clone();
    let options = WaitOptions {
        progress: Some(Arc::new(move |p: &LroProgress| {
            sink.lock().unwrap().push(p.clone())
        })),
        ..fast_wait()
    };
    let body = op.wait(&options).await.unwrap().unwrap();
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(server.count("GET", &status_path), 3);
    let seen = seen.lock().unwrap();
    let statuses: Vec<&str> = seen.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["Creating", "InProgress", "InProgress", "Succeeded"]
    );
    assert!(seen.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));
}

#[tokio::test]
async fn async_operation_ends_failed_with_its_error() {
    let server = ScriptServer::start().await;
    let (resource, _) = async_op_put(
        &server,
        "Failed",
        Some(r#"{"code":"OutOfQuota","message":"Not enough cores in family standardNCFamily"}"#),
    );
    let p = pipeline();
    let url = server.url(&format!("{resource}?api-version=2025-12-01"));
    let initial = p
        .send(Request::new(Method::PUT, url.clone()).json(serde_json::json!({})))
        .await
        .unwrap();
    let err = Operation::from_initial(p, "create cpu1", url, initial)
        .unwrap()
        .wait(&fast_wait())
        .await
        .unwrap_err();
    match &err {
        AzureError::OperationFailed { status, error, .. } => {
            assert_eq!(status, "Failed");
            assert_eq!(error.code, "OutOfQuota");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.code(), Some("OutOfQuota"));
    assert!(
        err.to_string()
            .contains("create cpu1 ended Failed: OutOfQuota"),
        "{err}"
    );
}

#[tokio::test]
async fn location_answers_202_twice_then_200() {
    let server = ScriptServer::start().await;
    let start = format!("{WS}/computes/ci1/start");
    server.on(
        "POST",
        &start,
        vec![reply_with(
            202,
            &[
                ("Location", "{base}operationResults/abc"),
                ("Retry-After", "0"),
            ],
            "",
        )],
    );
    server.on(
        "GET",
        "/operationResults/abc",
        vec![
            reply(202, ""),
            reply(202, ""),
            reply(200, r#"{"done":true}"#),
        ],
    );
    let op = client(&server).start_compute("ci1").await.unwrap();
    assert!(matches!(op.tracking(), Tracking::Location(_)));
    let body = op.wait(&fast_wait()).await.unwrap();
    assert_eq!(body.unwrap()["done"], true);
    assert_eq!(server.count("GET", "/operationResults/abc"), 3);
}

#[tokio::test]
async fn provisioning_state_polling_when_no_headers() {
    let server = ScriptServer::start().await;
    let resource = format!("{WS}/computes/cl1");
    server.on(
        "PUT",
        &resource,
        vec![reply(
            200,
            r#"{"properties":{"provisioningState":"Updating"}}"#,
        )],
    );
    server.on(
        "GET",
        &resource,
        vec![
            reply(200, r#"{"properties":{"provisioningState":"Updating"}}"#),
            reply(200, r#"{"properties":{"provisioningState":"Failed","provisioningErrors":[{"error":{"code":"BadVm","message":"no"}}]}}"#),
        ],
    );
    let p = pipeline();
    let url = server.url(&format!("{resource}?api-version=2025-12-01"));
    let initial = p
        .send(Request::new(Method::PUT, url.clone()).json(serde_json::json!({})))
        .await
        .unwrap();
    let op = Operation::from_initial(p, "update cl1", url, initial).unwrap();
    assert_eq!(op.tracking(), &Tracking::ProvisioningState);
    let err = op.wait(&fast_wait()).await.unwrap_err();
    assert_eq!(err.code(), Some("BadVm"));
}

#[tokio::test]
async fn deadline_and_cancel_end_the_wait() {
    let server = ScriptServer::start().await;
    let start = format!("{WS}/computes/ci1/stop");
    server.on(
        "POST",
        &start,
        vec![reply_with(202, &[("Location", "{base}op/slow")], ""); 2],
    );
    server.on("GET", "/op/slow", vec![reply(202, ""); 100]);
    let c = client(&server);
    let op = c.stop_compute("ci1").await.unwrap();
    let options = WaitOptions {
        deadline: Duration::from_millis(300),
        ..fast_wait()
    };
    let err = op.wait(&options).await.unwrap_err();
    assert!(
        matches!(err, AzureError::OperationTimedOut { .. }),
        "{err:?}"
    );

    let op = c.stop_compute("ci1").await.unwrap();
    let options = fast_wait();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = op.wait(&options).await.unwrap_err();
    assert!(matches!(err, AzureError::Cancelled { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn delete_sends_the_underlying_resource_action() {
    let server = ScriptServer::start().await;
    let resource = format!("{WS}/computes/vm1");
    server.on("DELETE", &resource, vec![reply(200, "")]);
    let op = client(&server)
        .delete_compute(
            "vm1",
            amlc::azure::computes::UnderlyingResourceAction::Detach,
        )
        .await
        .unwrap();
    op.wait(&fast_wait()).await.unwrap();
    let target = &server.requests()[0].target;
    assert!(
        target.contains("underlyingResourceAction=Detach"),
        "{target}"
    );
    assert!(target.contains("api-version=2025-12-01"), "{target}");
}

#[tokio::test]
async fn invalid_names_are_refused_before_sending() {
    let server = ScriptServer::start().await;
    let c = client(&server);
    let resource: amlc::azure::models::ComputeResource =
        serde_json::from_str(r#"{"properties":{"computeType":"AmlCompute"}}"#).unwrap();
    let err = c
        .create_or_update_compute("cluster-1", &resource)
        .await
        .unwrap_err();
    assert!(matches!(err, AzureError::Invalid(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("must not end in a hyphen followed by digits")
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn log_reads_by_range() {
    use amlc::azure::logs::LogRead;
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/blob/log.txt",
        vec![
            reply_with(206, &[("Content-Range", "bytes 5-9/10")], "fghij"),
            reply_with(416, &[("Content-Range", "bytes */10")], ""),
            reply(404, r#"{"error":{"code":"BlobNotFound","message":"x"}}"#),
            reply(200, "abcdefghijkl"),
            reply_with(416, &[("Content-Range", "bytes */3")], ""),
        ],
    );
    let c = client(&server);
    let url = server.url("/blob/log.txt?sig=s3cret");
    assert_eq!(
        c.read_log_range(&url, 5).await.unwrap(),
        LogRead::Data {
            bytes: b"fghij".to_vec(),
            total: Some(10)
        }
    );
    assert_eq!(
        c.read_log_range(&url, 10).await.unwrap(),
        LogRead::NoNewData { total: Some(10) }
    );
    assert_eq!(c.read_log_range(&url, 10).await.unwrap(), LogRead::NotFound);
    assert_eq!(
        c.read_log_range(&url, 10).await.unwrap(),
        LogRead::Data {
            bytes: b"kl".to_vec(),
            total: Some(12)
        }
    );
    assert_eq!(
        c.read_log_range(&url, 12).await.unwrap(),
        LogRead::Truncated { total: 3 }
    );
    let r = &server.requests()[0];
    // A bounded range (4 MiB): real Blob storage sends the whole rest for `bytes=5-`.
    assert_eq!(r.header("range"), Some("bytes=5-4194308"));
    assert_eq!(r.header("x-ms-range"), Some("bytes=5-4194308"));
    assert_eq!(r.header("authorization"), None, "no bearer on signed URLs");
}

#[tokio::test]
async fn endless_next_links_end_in_an_error_not_a_hang() {
    use amlc::azure::http::MAX_PAGES;
    let server = ScriptServer::start().await;
    let pages: Vec<Answer> = (0..=MAX_PAGES)
        .map(|n| {
            reply(
                200,
                &format!(r#"{{"value":[],"nextLink":"{{base}}pages?$skip={n}"}}"#),
            )
        })
        .collect();
    server.on("GET", "/pages", pages);
    let err = pipeline()
        .collect_pages(server.url("/pages"), "2025-12-01", |_| Ok(Vec::<()>::new()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nextLinks past"), "{err}");
    assert_eq!(server.count("GET", "/pages"), MAX_PAGES);
}

#[tokio::test]
async fn a_truncated_json_body_is_never_quoted_in_errors() {
    let server = ScriptServer::start().await;
    server.on(
        "POST",
        "/keys",
        vec![reply(
            200,
            r#"{"computeType":"Databricks","databricksAccessToken":"dapi-SECRET"#,
        )],
    );
    server.on("GET", "/html", vec![reply(200, "<html>proxy login</html>")]);
    let p = pipeline();
    let err = p
        .send_json::<serde_json::Value>(Request::new(Method::POST, server.url("/keys")))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("dapi-SECRET"), "{err}");
    let err = p
        .send_json::<serde_json::Value>(Request::get(server.url("/html")))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("proxy login"),
        "a non-JSON body is shown: {err}"
    );
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn a_refused_loopback_connection_fails_at_once_with_the_cause_first() {
    let port = closed_port();
    let p = pipeline();
    let url = url::Url::parse(&format!(
        "http://127.0.0.1:{port}/subscriptions/sub/computes?api-version=1&sig=SECRET"
    ))
    .unwrap();
    let started = Instant::now();
    let err = p.send(Request::get(url)).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "Connection refused — GET 127.0.0.1:{port} /subscriptions/sub/computes"
        )),
        "{text}"
    );
    assert!(
        !text.contains("SECRET") && !text.contains("api-version"),
        "{text}"
    );
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.hint().contains("emulator"), "{}", err.hint());
    assert_eq!(p.stats().retries, 0, "never retried");
    // With the default (slow) retry policy too: the whole client against --endpoint
    // http://127.0.0.1:PORT/ fails in well under a second.
    let ctx = WorkspaceContext::new(
        format!("http://127.0.0.1:{port}/")
            .parse::<Cloud>()
            .unwrap(),
        "sub",
        "rg",
        "ws",
    );
    let default_pipeline = Pipeline::new(
        Some(Arc::new(StaticBearer::new("t"))),
        PipelineOptions::default(),
    )
    .unwrap();
    let started = Instant::now();
    let err = AmlClient::new(ctx, default_pipeline)
        .list_computes()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.to_string().starts_with("Connection refused — GET"),
        "{err}"
    );
}

#[tokio::test]
async fn a_dns_failure_is_not_retried() {
    let p = pipeline();
    let started = Instant::now();
    let err = p
        .send(Request::get(
            url::Url::parse("https://no-such-host.invalid/x").unwrap(),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            AzureError::Transport {
                failure: amlc::azure::error::TransportFailure::Dns,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("DNS lookup failed for no-such-host.invalid"),
        "{err}"
    );
    assert_eq!(p.stats().retries, 0);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn post_is_retried_only_when_the_service_surely_did_not_act() {
    let server = ScriptServer::start().await;
    // A 503 (or a dropped connection) after a POST was sent: it may have been carried out.
    server.on("POST", "/start", vec![reply(503, "{}"), reply(200, "{}")]);
    server.on("PATCH", "/patch", vec![Answer::Drop, reply(200, "{}")]);
    // A 429 says it was not: retried.
    server.on(
        "POST",
        "/throttled",
        vec![
            reply_with(429, &[("retry-after-ms", "10")], "{}"),
            reply(200, "{}"),
        ],
    );
    // Idempotent methods are retried on 5xx.
    server.on("PUT", "/put", vec![reply(500, "{}"), reply(200, "{}")]);
    server.on(
        "DELETE",
        "/delete",
        vec![reply(502, "{}"), reply(200, "{}")],
    );
    let p = pipeline();
    let err = p
        .send(Request::new(Method::POST, server.url("/start")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        server.count("POST", "/start"),
        1,
        "a POST is not repeated on 503"
    );
    let err = p
        .send(Request::new(Method::PATCH, server.url("/patch")).json(serde_json::json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AzureError::Transport { sent: true, .. }),
        "{err:?}"
    );
    assert_eq!(server.count("PATCH", "/patch"), 1, "nor a PATCH on a reset");
    p.send(Request::new(Method::POST, server.url("/throttled")))
        .await
        .unwrap();
    assert_eq!(server.count("POST", "/throttled"), 2);
    p.send(Request::new(Method::PUT, server.url("/put")).json(serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(server.count("PUT", "/put"), 2);
    p.send(Request::new(Method::DELETE, server.url("/delete")))
        .await
        .unwrap();
    assert_eq!(server.count("DELETE", "/delete"), 2);
    // A refused connection to a host that is not loopback would be retried for any method
    // (nothing was sent); that decision is in retry_reason.
    let refused: amlc::azure::error::Result<amlc::azure::http::Response> =
        Err(AzureError::Transport {
            method: "POST".into(),
            url: "https://example.com/x".into(),
            message: "Connection refused".into(),
            failure: amlc::azure::error::TransportFailure::Refused,
            sent: false,
        });
    let remote = url::Url::parse("https://example.com/x").unwrap();
    let local = url::Url::parse("http://127.0.0.1:9/x").unwrap();
    use amlc::azure::http::retry_reason;
    assert!(retry_reason(&Method::POST, &remote, &refused).is_some());
    assert!(retry_reason(&Method::GET, &local, &refused).is_none());
    let auth: amlc::azure::error::Result<amlc::azure::http::Response> =
        Err(AzureError::Auth("expired".into()));
    assert!(retry_reason(&Method::GET, &remote, &auth).is_none());
}

#[tokio::test]
async fn auth_failures_are_never_retried() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/x",
        vec![
            reply(
                401,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#,
            ),
            reply(200, "{}"),
        ],
    );
    server.on(
        "GET",
        "/y",
        vec![
            reply(
                403,
                r#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#,
            ),
            reply(200, "{}"),
        ],
    );
    let p = pipeline();
    let err = p.send(Request::get(server.url("/x"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.to_string()
            .starts_with("401 Unauthorized: InvalidAuthenticationToken: expired — GET"),
        "{err}"
    );
    assert!(err.hint().contains("az login"));
    let err = p.send(Request::get(server.url("/y"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(server.count("GET", "/x"), 1);
    assert_eq!(server.count("GET", "/y"), 1);
    assert_eq!(p.stats().retries, 0);
}

#[tokio::test]
async fn retries_and_throttling_are_counted_and_the_last_events_kept() {
    let server = ScriptServer::start().await;
    server.on(
        "GET",
        "/busy",
        vec![
            reply_with(429, &[("retry-after-ms", "300")], "{}"),
            reply(503, "{}"),
            reply(200, "{}"),
        ],
    );
    let p = pipeline();
    assert_eq!(p.stats(), Default::default());
    let sender = p.clone();
    let url = server.url("/busy?sig=SECRET");
    let task = tokio::spawn(async move { sender.send(Request::get(url)).await });
    // While the request waits out the Retry-After, it still counts as in flight.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(server.count("GET", "/busy"), 1);
    assert_eq!(p.in_flight(), 1, "a request waiting to retry is in flight");
    task.await.unwrap().unwrap();
    assert_eq!(p.in_flight(), 0);
    let stats = p.stats();
    assert_eq!(stats.retries, 2);
    assert_eq!(stats.throttled, 1);
    let events = p.retry_events_since(0);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].seq, 1);
    assert_eq!(events[0].reason, "429 Too Many Requests");
    assert!(events[0].throttled);
    assert!(
        events[0].request.starts_with("GET 127.0.0.1:"),
        "{:?}",
        events[0]
    );
    assert!(events[0].request.ends_with(" /busy"), "{:?}", events[0]);
    assert!(!events[0].request.contains("SECRET"));
    assert_eq!(events[1].reason, "503 Service Unavailable");
    assert!(!events[1].throttled);
    assert!(events[1].wall_ms >= events[0].wall_ms);
    assert_eq!(p.retry_events_since(1).len(), 1);
    assert!(p.retry_events_since(2).is_empty());
}

#[tokio::test]
async fn a_post_that_timed_out_is_not_sent_again() {
    // The service may still carry it out: a second POST could start a compute twice.
    let server = ScriptServer::start().await;
    server.on(
        "POST",
        "/start",
        vec![slow(200, "{}", Duration::from_secs(2)); 3],
    );
    server.on(
        "GET",
        "/get",
        vec![slow(200, "{}", Duration::from_secs(2)); 3],
    );
    let mut options = fast_options();
    options.timeout = Duration::from_millis(200);
    options.retry.max_attempts = 3;
    let p = Pipeline::new(None, options).unwrap();
    let err = p
        .send(Request::new(Method::POST, server.url("/start")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.to_string()
            .starts_with("timed out after 0.2s — POST 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(server.count("POST", "/start"), 1);
    // A GET is idempotent: it is tried again.
    p.send(Request::get(server.url("/get"))).await.unwrap_err();
    assert_eq!(server.count("GET", "/get"), 3);
    assert_eq!(p.stats().retries, 2);
}

/// The answer to a create is lost (the connection drops after the service took the PUT); the
/// pipeline sends the PUT again and the service refuses it as a conflict (the create is under
/// way). The create is then followed on the compute itself to its end, not reported failed.
#[tokio::test]
async fn a_create_whose_answer_was_lost_is_followed_not_failed() {
    let server = ScriptServer::start().await;
    let resource = format!("{WS}/computes/cluster-a");
    server.on(
        "PUT",
        &resource,
        vec![
            Answer::Drop,
            reply(
                409,
                r#"{"error":{"code":"Conflict","message":"Compute cluster-a has an operation in progress; try again when it finishes."}}"#,
            ),
        ],
    );
    server.on(
        "GET",
        &resource,
        vec![
            reply(200, r#"{"name":"cluster-a","properties":{"computeType":"AmlCompute","provisioningState":"Creating"}}"#),
            reply(200, r#"{"name":"cluster-a","properties":{"computeType":"AmlCompute","provisioningState":"Creating"}}"#),
            reply(200, r#"{"name":"cluster-a","properties":{"computeType":"AmlCompute","provisioningState":"Succeeded"}}"#),
        ],
    );
    let c = client(&server);
    let body: amlc::azure::models::ComputeResource =
        serde_json::from_str(r#"{"properties":{"computeType":"AmlCompute"}}"#).unwrap();
    let op = c
        .create_or_update_compute("cluster-a", &body)
        .await
        .unwrap();
    assert_eq!(op.tracking(), &Tracking::ProvisioningState);
    op.wait(&fast_wait()).await.unwrap();
    assert_eq!(server.count("PUT", &resource), 2);
    assert!(server.count("GET", &resource) >= 2);
}

/// A conflict on a PUT that was not retried is the service's answer: reported as it is.
#[tokio::test]
async fn a_conflict_on_a_first_create_is_reported() {
    let server = ScriptServer::start().await;
    let resource = format!("{WS}/computes/cluster-b");
    server.on(
        "PUT",
        &resource,
        vec![reply(
            409,
            r#"{"error":{"code":"Conflict","message":"Compute cluster-b already exists with compute type ComputeInstance."}}"#,
        )],
    );
    let c = client(&server);
    let body: amlc::azure::models::ComputeResource =
        serde_json::from_str(r#"{"properties":{"computeType":"AmlCompute"}}"#).unwrap();
    let err = c
        .create_or_update_compute("cluster-b", &body)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(server.count("GET", &resource), 0);
}
