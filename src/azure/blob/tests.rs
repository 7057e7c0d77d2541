//! Blob uploads against a small in-process storage fake (loopback HTTP), which records every
//! request and can fail on purpose.

use super::*;
use crate::azure::http::{PipelineOptions, RetryPolicy};
use axum::Router;
use axum::body::Bytes as AxBytes;
use axum::extract::{Request as AxRequest, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as AxResponse};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn md5_vectors() {
    for (input, want) in [
        (&b""[..], "d41d8cd98f00b204e9800998ecf8427e"),
        (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
        (
            b"The quick brown fox jumps over the lazy dog",
            "9e107d9d372bb6826bd81d3542a419d6",
        ),
    ] {
        assert_eq!(hex(&md5(input)), want);
    }
    assert_eq!(hex(&md5(&[b'a'; 55])), "ef1772b6dff9a122358552954ad0df65");
    assert_eq!(hex(&md5(&[b'a'; 56])), "3b0c8ac703f828b04c6c197006d17218");
    assert_eq!(hex(&md5(&[b'a'; 64])), "014842d480b571495a4a0363793f7367");
    let long: Vec<u8> = (0..5).flat_map(|_| 0..=255u8).collect();
    assert_eq!(hex(&md5(&long)), "82829f1f3f2bb0f18b25f278e5bba8bd");
}

fn pipeline() -> Pipeline {
    Pipeline::new(
        None,
        PipelineOptions {
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                max_retry_after: Duration::from_millis(20),
            },
            ..PipelineOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn sas_uri_is_read_as_from_container_url() {
    let sas = Secret::new("http://127.0.0.1:9/azureml-blobstore/LocalUpload/g?sv=1&sig=S%2B");
    let c = Container::from_sas_uri(pipeline(), &sas).unwrap();
    assert_eq!(c.last_segment(), "g");
    assert_eq!(
        c.shown(),
        "http://127.0.0.1:9/azureml-blobstore/LocalUpload/g"
    );
    assert_eq!(
        c.blob_url("src/a b.py", &[]).as_str(),
        "http://127.0.0.1:9/azureml-blobstore/LocalUpload/g/src/a%20b.py?sv=1&sig=S%2B"
    );
    assert_eq!(
        c.blob_url("src/x", &[("comp", "block"), ("blockid", "AB+/=")])
            .as_str(),
        "http://127.0.0.1:9/azureml-blobstore/LocalUpload/g/src/x?sv=1&sig=S%2B&comp=block&blockid=AB%2B%2F%3D"
    );
    // A trailing slash is tolerated; no path at all is refused.
    let c = Container::from_sas_uri(pipeline(), &Secret::new("https://h/c/p/?sig=x")).unwrap();
    assert_eq!(c.last_segment(), "p");
    let err =
        Container::from_sas_uri(pipeline(), &Secret::new("https://h/?sig=SECRET")).unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(format!("{c:?}").contains("***") && !format!("{c:?}").contains("sig=x"));
}

#[test]
fn datastore_container_urls() {
    let c = Container::from_datastore(
        pipeline(),
        &Url::parse("http://127.0.0.1:9/storage/acct/").unwrap(),
        "azureml-blobstore-x",
        &Secret::new("?sv=1&sig=Z"),
    )
    .unwrap();
    assert_eq!(
        c.blob_url("LocalUpload/h/data/f.csv", &[]).as_str(),
        "http://127.0.0.1:9/storage/acct/azureml-blobstore-x/LocalUpload/h/data/f.csv?sv=1&sig=Z"
    );
}

#[test]
fn code_uri_is_urljoin() {
    // No trailing slash: the folder goes under the SAS path.
    assert_eq!(
        code_uri("https://h:1/c/LocalUpload/g", "g", Some("src")).unwrap(),
        "https://h:1/c/LocalUpload/g/src"
    );
    // With one, the segment is doubled, as the SDK does (§4.3).
    assert_eq!(
        code_uri("https://h:1/c/LocalUpload/g/", "g", Some("src")).unwrap(),
        "https://h:1/c/LocalUpload/g/g/src"
    );
    // A single file: the parent "folder", trailing slash.
    assert_eq!(
        code_uri("https://h:1/c/LocalUpload/g", "g", None).unwrap(),
        "https://h:1/c/LocalUpload/g/"
    );
}

#[test]
fn block_ids_have_one_length() {
    let ids = block_ids(300);
    assert!(ids.iter().all(|i| i.len() == 64));
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 300);
    assert!(
        block_list_xml(&ids[..2])
            .starts_with("<?xml version='1.0' encoding='utf-8'?>\n<BlockList><Latest>")
    );
}

/// A stored blob: its bytes and metadata.
type Stored = (Vec<u8>, Vec<(String, String)>);

/// The fake: blobs by path, blocks by (path, id), every request as `METHOD path?comp`.
#[derive(Default)]
struct Fake {
    blobs: HashMap<String, Stored>,
    blocks: HashMap<(String, String), Vec<u8>>,
    log: Vec<String>,
    /// Paths whose next Put Blob is stored and then answered 500 (a landed attempt whose
    /// answer was lost).
    lose_answer: Vec<String>,
    /// Answer 403 with a message echoing the signature.
    forbid: bool,
    max_in_flight: usize,
    in_flight: usize,
}

type Shared = Arc<Mutex<Fake>>;

fn query_param(q: &str, k: &str) -> Option<String> {
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.into_owned())
}

async fn handle(State(fake): State<Shared>, req: AxRequest) -> AxResponse {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers: HeaderMap = req.headers().clone();
    {
        let mut f = fake.lock().unwrap();
        f.in_flight += 1;
        f.max_in_flight = f.max_in_flight.max(f.in_flight);
    }
    let body: AxBytes = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    tokio::time::sleep(Duration::from_millis(2)).await;
    let mut f = fake.lock().unwrap();
    f.in_flight -= 1;
    let comp = query_param(&query, "comp");
    f.log.push(format!(
        "{method} {path}{}",
        comp.as_deref()
            .map(|c| format!("?comp={c}"))
            .unwrap_or_default()
    ));
    if f.forbid {
        let sig = query_param(&query, "sig").unwrap_or_default();
        return (
            StatusCode::FORBIDDEN,
            [("x-ms-error-code", "AuthenticationFailed")],
            format!("<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Signature {sig} did not match\nRequestId:1</Message></Error>"),
        )
            .into_response();
    }
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    match (method.as_str(), comp.as_deref()) {
        ("HEAD", None) => match f.blobs.get(&path) {
            Some((data, meta)) => {
                let mut r = StatusCode::OK.into_response();
                r.headers_mut()
                    .insert("content-length", data.len().to_string().parse().unwrap());
                r.headers_mut().insert(
                    "content-md5",
                    crate::app::clipboard::base64(&md5(data)).parse().unwrap(),
                );
                for (k, v) in meta {
                    r.headers_mut().insert(
                        axum::http::HeaderName::try_from(format!("x-ms-meta-{k}")).unwrap(),
                        v.parse().unwrap(),
                    );
                }
                r
            }
            None => (StatusCode::NOT_FOUND, [("x-ms-error-code", "BlobNotFound")]).into_response(),
        },
        ("PUT", None) => {
            if h("x-ms-blob-type").as_deref() != Some("BlockBlob") {
                return StatusCode::BAD_REQUEST.into_response();
            }
            if let Some(m) = h("content-md5")
                && m != crate::app::clipboard::base64(&md5(&body))
            {
                return (
                    StatusCode::BAD_REQUEST,
                    [("x-ms-error-code", "Md5Mismatch")],
                )
                    .into_response();
            }
            if h("if-none-match").as_deref() == Some("*") && f.blobs.contains_key(&path) {
                return (
                    StatusCode::CONFLICT,
                    [("x-ms-error-code", "BlobAlreadyExists")],
                )
                    .into_response();
            }
            f.blobs.insert(path.clone(), (body.to_vec(), Vec::new()));
            if let Some(i) = f.lose_answer.iter().position(|p| *p == path) {
                f.lose_answer.remove(i);
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            StatusCode::CREATED.into_response()
        }
        ("PUT", Some("block")) => {
            let id = query_param(&query, "blockid").unwrap_or_default();
            f.blocks.insert((path, id), body.to_vec());
            StatusCode::CREATED.into_response()
        }
        ("PUT", Some("blocklist")) => {
            let text = String::from_utf8_lossy(&body).to_string();
            let mut data = Vec::new();
            for part in text.split("<Latest>").skip(1) {
                let id = part.split("</Latest>").next().unwrap_or("");
                match f.blocks.get(&(path.clone(), id.to_string())) {
                    Some(b) => data.extend_from_slice(b),
                    None => {
                        return (
                            StatusCode::BAD_REQUEST,
                            [("x-ms-error-code", "InvalidBlockList")],
                        )
                            .into_response();
                    }
                }
            }
            f.blobs.insert(path, (data, Vec::new()));
            StatusCode::CREATED.into_response()
        }
        ("PUT", Some("metadata")) => {
            let meta: Vec<(String, String)> = headers
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.as_str().strip_prefix("x-ms-meta-")?.to_string(),
                        v.to_str().ok()?.to_string(),
                    ))
                })
                .collect();
            match f.blobs.get_mut(&path) {
                Some(b) => {
                    b.1 = meta;
                    StatusCode::OK.into_response()
                }
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

async fn serve() -> (Shared, String, tokio::task::JoinHandle<()>) {
    let fake: Shared = Arc::default();
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (
        fake,
        format!("http://{addr}/c/LocalUpload/g?sv=1&sig=SECRETSIG"),
        task,
    )
}

fn files(dir: &Path, spec: &[(&str, usize)]) -> Vec<UploadFile> {
    spec.iter()
        .map(|(name, size)| {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let data: Vec<u8> = (0..*size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            UploadFile {
                blob: format!("src/{name}"),
                source: path,
                size: *size as u64,
            }
        })
        .collect()
}

#[tokio::test]
async fn uploads_small_and_big_files_and_marks_completion() {
    let (fake, sas, task) = serve().await;
    let dir = tempfile::tempdir().unwrap();
    let container = Container::from_sas_uri(pipeline(), &Secret::new(sas))
        .unwrap()
        .with_thresholds(1000, 256);
    let mut list = files(
        dir.path(),
        &[("a.txt", 10), ("empty", 0), ("big.bin", 1000 + 700)],
    );
    for i in 0..20 {
        list.extend(files(dir.path(), &[(&format!("d/f{i}.py"), 50)]));
    }
    let seen = Mutex::new(Vec::new());
    container
        .upload_files(&list, &|p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    container
        .set_metadata(
            "src/a.txt",
            &[
                (META_UPLOAD_STATUS, "completed"),
                (META_NAME, "n"),
                (META_VERSION, "1"),
            ],
        )
        .await
        .unwrap();
    {
        let f = fake.lock().unwrap();
        let big = &f.blobs["/c/LocalUpload/g/src/big.bin"].0;
        assert_eq!(big.len(), 1700);
        assert_eq!(
            big,
            &(0..1700).map(|i| (i % 251) as u8).collect::<Vec<u8>>()
        );
        assert_eq!(f.blobs["/c/LocalUpload/g/src/empty"].0.len(), 0);
        assert_eq!(f.blobs.len(), 23);
        // 7 blocks of 256 and the list for the big file.
        assert_eq!(
            f.log.iter().filter(|l| l.ends_with("comp=block")).count(),
            7
        );
        assert_eq!(
            f.log
                .iter()
                .filter(|l| l.ends_with("comp=blocklist"))
                .count(),
            1
        );
        assert!(f.max_in_flight <= FILE_CONCURRENCY * BLOCK_CONCURRENCY);
        assert!(f.max_in_flight > 1, "uploads run concurrently");
        let meta = &f.blobs["/c/LocalUpload/g/src/a.txt"].1;
        assert!(
            meta.contains(&("upload_status".into(), "completed".into())),
            "{meta:?}"
        );
        let last = *seen.lock().unwrap().last().unwrap();
        assert_eq!(
            last,
            UploadProgress {
                files_done: 23,
                files_total: 23,
                bytes_done: 10 + 1700 + 20 * 50,
                bytes_total: 10 + 1700 + 20 * 50,
            }
        );
    }
    let head = container.head("src/a.txt").await.unwrap().unwrap();
    assert_eq!(head.size, Some(10));
    assert_eq!(head.meta("upload_status"), Some("completed"));
    assert!(container.head("src/nothing").await.unwrap().is_none());
    task.abort();
}

#[tokio::test]
async fn a_retried_put_blob_that_had_landed_is_accepted_but_a_foreign_blob_is_not() {
    let (fake, sas, task) = serve().await;
    let container = Container::from_sas_uri(pipeline(), &Secret::new(sas)).unwrap();
    fake.lock()
        .unwrap()
        .lose_answer
        .push("/c/LocalUpload/g/src/a.txt".into());
    container
        .put_blob("src/a.txt", bytes::Bytes::from_static(b"hello"), true)
        .await
        .unwrap();
    let log = fake.lock().unwrap().log.clone();
    // PUT (stored, 500), PUT again (409), HEAD: ours.
    assert_eq!(
        log,
        [
            "PUT /c/LocalUpload/g/src/a.txt",
            "PUT /c/LocalUpload/g/src/a.txt",
            "HEAD /c/LocalUpload/g/src/a.txt"
        ]
    );
    // Someone else's content under the name: refused, never overwritten.
    let err = container
        .put_blob("src/a.txt", bytes::Bytes::from_static(b"other!"), true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert_eq!(
        fake.lock().unwrap().blobs["/c/LocalUpload/g/src/a.txt"].0,
        b"hello"
    );
    task.abort();
}

#[tokio::test]
async fn storage_errors_never_show_the_sas() {
    let (fake, sas, task) = serve().await;
    fake.lock().unwrap().forbid = true;
    let container = Container::from_sas_uri(pipeline(), &Secret::new(sas)).unwrap();
    let err = container
        .put_blob("src/a.txt", bytes::Bytes::from_static(b"x"), true)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRETSIG"), "{text}");
    assert!(text.contains("AuthenticationFailed"), "{text}");
    assert!(text.contains("/c/LocalUpload/g/src/a.txt"), "{text}");
    task.abort();
}

#[test]
fn shared_key_signatures_follow_the_storage_rules() {
    let url = Url::parse(
        "https://acct.blob.core.windows.net/cont/LocalUpload/h/a%20b.csv?comp=block&blockid=AAA%3D",
    )
    .unwrap();
    let req = Request::new(Method::PUT, url)
        .without_auth()
        .header("x-ms-version", STORAGE_VERSION)
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-md5", "XUFAKrxLKna5cZ2REBfFkg==")
        .header("if-none-match", "*")
        .bytes(&b"hello"[..], Some("application/octet-stream"));
    let signed = sign_shared_key(
        req,
        "acct",
        &Secret::new("dGVzdC1hY2NvdW50LWtleS0wMTIzNDU2Nzg5"),
        "Sun, 29 Nov 2026 19:00:00 GMT",
        "rid",
    )
    .unwrap();
    // The string to sign as Python's SharedKey policy builds it.
    assert_eq!(
        shared_key_string(&signed, "acct"),
        "PUT\n\n\n5\nXUFAKrxLKna5cZ2REBfFkg==\napplication/octet-stream\n\n\n\n*\n\n\nx-ms-blob-type:BlockBlob\nx-ms-client-request-id:rid\nx-ms-date:Sun, 29 Nov 2026 19:00:00 GMT\nx-ms-version:2026-10-06\n/acct/cont/LocalUpload/h/a%20b.csv\nblockid:AAA=\ncomp:block"
    );
    // Its HMAC-SHA256 with the key, as computed with Python's hmac module.
    let auth = signed
        .headers
        .iter()
        .find(|(n, _)| *n == "authorization")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        auth,
        Some("SharedKey acct:v4W6lY5jyfKVY1MF4VqbRECLU6n9rVr1/94thYXLBmE=")
    );
    // A HEAD: nothing but the headers and the resource.
    let head = Request::new(
        Method::HEAD,
        Url::parse("https://acct.blob.core.windows.net/cont/x").unwrap(),
    )
    .header("x-ms-version", STORAGE_VERSION);
    assert_eq!(
        shared_key_string(&head, "acct"),
        "HEAD\n\n\n\n\n\n\n\n\n\n\n\nx-ms-version:2026-10-06\n/acct/cont/x"
    );
    // A key that is not base64 is refused before anything is sent.
    assert!(
        Container::from_datastore_key(
            pipeline(),
            &Url::parse("https://acct.blob.core.windows.net/").unwrap(),
            "acct",
            "cont",
            &Secret::new("not base64!"),
        )
        .is_err()
    );
}
