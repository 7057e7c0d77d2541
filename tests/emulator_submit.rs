//! The emulator's submit surfaces over real loopback HTTP: code versions (lookup by hash that
//! ignores the name, PUT 201/200/409, a codeUri that points at nothing refused),
//! `startPendingUpload` with its folder-scoped SAS, the Blob Storage operations and status codes
//! the Python storage client needs (submit.md §10) and their SAS checks, datastores and
//! `listSecrets`, environment versions (ordering, `$top`, immutable versions), jobs that run the
//! uploaded snapshot with datastore inputs and distribution ranks, and persistence of all of it
//! across a restart.

use amlc::emulator::{self, EmulatorConfig, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WS: &str = "submit-ws";

struct Emu {
    h: EmulatorHandle,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

impl Emu {
    async fn start() -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let e = Emu::start_in(dir).await;
        let (s, v) = e
            .call(Method::PUT, &e.ws(""), Some(json!({"location": "eastus"})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        e
    }

    async fn start_in(dir: tempfile::TempDir) -> Emu {
        let mut c = EmulatorConfig::new(dir.path());
        c.speed = 50.0;
        let h = emulator::start(c).await.unwrap();
        Emu {
            h,
            http: http(),
            dir,
        }
    }

    /// Stops this emulator cleanly and starts another on the same data directory.
    async fn restart(self) -> Emu {
        let Emu { h, dir, .. } = self;
        h.shutdown().await;
        Emu::start_in(dir).await
    }

    /// `{base}subscriptions/…/workspaces/submit-ws{suffix}` with an api-version the SDK uses.
    fn ws(&self, suffix: &str) -> String {
        let sep = if suffix.contains('?') { '&' } else { '?' };
        format!(
            "{}subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{WS}{suffix}{sep}api-version=2023-04-01",
            self.h.url(),
            emulator::DEMO_SUBSCRIPTION,
            emulator::DEMO_RESOURCE_GROUP,
        )
    }

    async fn call(&self, method: Method, url: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, url).bearer_auth(self.h.token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `startPendingUpload` for a throw-away name: (blobUri, sasUri).
    async fn pending(&self) -> (String, String) {
        let name = uuid::Uuid::new_v4();
        let (s, v) = self
            .call(
                Method::POST,
                &self.ws(&format!("/codes/{name}/versions/1/startPendingUpload")),
                Some(json!({"pendingUploadType": "TemporaryBlobReference"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r = &v["blobReferenceForConsumption"];
        (
            r["blobUri"].as_str().unwrap().to_string(),
            r["credential"]["sasUri"].as_str().unwrap().to_string(),
        )
    }

    /// Uploads `files` (relative path, content) under `{sasUri}/{folder}/…` with Put Blob.
    async fn upload(&self, sas_uri: &str, folder: &str, files: &[(&str, &[u8])]) {
        for (rel, bytes) in files {
            let resp = self
                .http
                .put(blob_url(sas_uri, &format!("{folder}/{rel}")))
                .header("x-ms-blob-type", "BlockBlob")
                .header("x-ms-version", "2026-10-06")
                .header("If-None-Match", "*")
                .header("Content-MD5", md5_b64(bytes))
                .body(bytes.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED, "{rel}");
        }
    }

    /// Uploads a snapshot and registers it as code `name:1`; returns the code version's id.
    async fn code_asset(&self, name: &str, files: &[(&str, &[u8])], hash: &str) -> String {
        let (blob_uri, sas_uri) = self.pending().await;
        self.upload(&sas_uri, "src", files).await;
        let (s, v) = self
            .call(
                Method::PUT,
                &self.ws(&format!("/codes/{name}/versions/1")),
                Some(json!({"properties": {"codeUri": format!("{blob_uri}/src"), "isAnonymous": true, "properties": {"hash_sha256": hash, "hash_version": 202208}}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    /// The datastore's (account, container).
    async fn blobstore(&self) -> (String, String) {
        let (s, v) = self
            .call(
                Method::GET,
                &self.ws("/datastores/workspaceblobstore"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        (
            v["properties"]["accountName"].as_str().unwrap().to_string(),
            v["properties"]["containerName"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    }

    fn storage(&self, account: &str, container: &str, rest: &str) -> String {
        format!("{}storage/{account}/{container}{rest}", self.h.url())
    }

    /// A raw HTTP/1.1 request (for paths a URL library would normalise); returns the status.
    async fn raw(&self, head: &str) -> u16 {
        let addr = format!("127.0.0.1:{}", self.h.url().port().unwrap());
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]);
        text.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// `{sasUri path}/{rel}?{sas query}`.
fn blob_url(sas_uri: &str, rel: &str) -> String {
    let (base, query) = sas_uri.split_once('?').unwrap();
    format!("{}/{rel}?{query}", base.trim_end_matches('/'))
}

fn md5_b64(bytes: &[u8]) -> String {
    azure_b64(&amlc::azure::blob::md5(bytes))
}

fn azure_b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

// ------------------------------------------------------------------ code assets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_versions_are_found_by_hash_whatever_the_name() {
    let e = Emu::start().await;
    let (blob_uri, sas_uri) = e.pending().await;
    assert_eq!(blob_uri, sas_uri.split_once('?').unwrap().0);
    assert!(!blob_uri.ends_with('/'));
    assert!(blob_uri.contains("/storage/") && blob_uri.contains("/LocalUpload/"));
    e.upload(&sas_uri, "src", &[("train.py", b"print('hi')\n")])
        .await;
    let body = json!({"properties": {"codeUri": format!("{blob_uri}/src"), "isAnonymous": true, "properties": {"hash_sha256": "abc123", "hash_version": 202208}}});
    let url = e.ws("/codes/anon-one/versions/1");
    let (s, v) = e.call(Method::PUT, &url, Some(body.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        v["id"].as_str().unwrap().starts_with("/subscriptions/")
            && v["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/workspaces/{WS}/codes/anon-one/versions/1")),
        "{v}"
    );
    assert_eq!(v["properties"]["provisioningState"], "Succeeded");
    assert_eq!(v["properties"]["isAnonymous"], true);
    assert_eq!(v["properties"]["properties"]["hash_version"], 202208);
    assert_eq!(v["properties"]["codeUri"], format!("{blob_uri}/src"));
    // The same body again: 200; another codeUri: refused.
    let (s, v) = e.call(Method::PUT, &url, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (blob2, sas2) = e.pending().await;
    e.upload(&sas2, "src", &[("train.py", b"other")]).await;
    let mut changed = body.clone();
    changed["properties"]["codeUri"] = json!(format!("{blob2}/src"));
    let (s, v) = e.call(Method::PUT, &url, Some(changed)).await;
    assert!(
        s == StatusCode::CONFLICT || s == StatusCode::BAD_REQUEST,
        "{s} {v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Asset paths cannot be updated."),
        "{v}"
    );
    // A codeUri pointing at nothing uploaded is refused, naming it.
    let nowhere = format!("{blob2}/missing");
    let (s, v) = e
        .call(
            Method::PUT,
            &e.ws("/codes/anon-two/versions/1"),
            Some(json!({"properties": {"codeUri": nowhere, "isAnonymous": true}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains(&nowhere),
        "{v}"
    );

    // By hash, under any name: a hit, then a miss.
    let other = uuid::Uuid::new_v4();
    let (s, v) = e
        .call(
            Method::GET,
            &e.ws(&format!(
                "/codes/{other}/versions?hash=abc123&hashVersion=202208"
            )),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hits = v["value"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{v}");
    assert!(
        hits[0]["id"]
            .as_str()
            .unwrap()
            .ends_with("/codes/anon-one/versions/1")
    );
    let (s, v) = e
        .call(
            Method::GET,
            &e.ws(&format!(
                "/codes/{other}/versions?hash=ffff&hashVersion=202208"
            )),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"], json!([]));
    // Without a hash: the versions of that name.
    let (_, v) = e
        .call(Method::GET, &e.ws("/codes/anon-one/versions"), None)
        .await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    let (_, v) = e
        .call(
            Method::GET,
            &e.ws(&format!("/codes/{other}/versions")),
            None,
        )
        .await;
    assert_eq!(v["value"], json!([]));
    // Get, and the container lists: anonymous containers are hidden.
    let (s, v) = e.call(Method::GET, &url, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "1");
    let (s, v) = e.call(Method::GET, &e.ws("/codes/anon-one"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["properties"]["latestVersion"], "1");
    assert_eq!(v["properties"]["nextVersion"], "2");
    e.code_asset("named", &[("a.py", b"x")], "beef").await;
    let (_, v) = e.call(Method::GET, &e.ws("/codes"), None).await;
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.is_empty(), "anonymous code is hidden: {names:?}");
    let (s, _) = e
        .call(Method::GET, &e.ws("/codes/nope/versions/1"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Any api-version is accepted on the asset routes.
    let odd = url.replace("api-version=2023-04-01", "api-version=1.0");
    let (s, _) = e.call(Method::GET, &odd, None).await;
    assert_eq!(s, StatusCode::OK);
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pending_upload_has_a_fresh_prefix() {
    let e = Emu::start().await;
    let (a, _) = e.pending().await;
    let (b, _) = e.pending().await;
    assert_ne!(a, b);
    e.h.shutdown().await;
}

// ------------------------------------------------------------------ blob surface

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_operations_answer_as_the_storage_client_requires() {
    let e = Emu::start().await;
    let (_, sas) = e.pending().await;
    let c = &e.http;
    let url = blob_url(&sas, "src/data.bin");
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    // Put Blob: 201 with ETag, x-ms-version echoed, a request id.
    let r = c
        .put(&url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("x-ms-version", "2026-10-06")
        .header("Content-MD5", md5_b64(&data))
        .header("x-ms-meta-owner", "tests")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(!header(&r, "etag").is_empty());
    assert_eq!(header(&r, "x-ms-version"), "2026-10-06");
    assert!(!header(&r, "x-ms-request-id").is_empty());
    assert_eq!(header(&r, "content-md5"), md5_b64(&data));
    // Without a blob type: 400.
    let r = c.put(&url).body("x").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // If-None-Match: * on an existing blob: 409 BlobAlreadyExists, storage-shaped.
    let r = c
        .put(&url)
        .header("x-ms-blob-type", "BlockBlob")
        .header("If-None-Match", "*")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(header(&r, "x-ms-error-code"), "BlobAlreadyExists");
    let text = r.text().await.unwrap();
    assert!(text.contains("<Code>BlobAlreadyExists</Code>"), "{text}");
    // A wrong MD5: 400 Md5Mismatch, and nothing stored.
    let bad = blob_url(&sas, "src/bad.bin");
    let r = c
        .put(&bad)
        .header("x-ms-blob-type", "BlockBlob")
        .header("Content-MD5", md5_b64(b"something else"))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&r, "x-ms-error-code"), "Md5Mismatch");
    let r = c.head(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&r, "x-ms-error-code"), "BlobNotFound");
    assert!(r.bytes().await.unwrap().is_empty());
    // HEAD: length, type, ETag, Last-Modified, metadata.
    let r = c.head(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length"), "1000");
    assert_eq!(header(&r, "x-ms-blob-type"), "BlockBlob");
    assert!(!header(&r, "etag").is_empty() && !header(&r, "last-modified").is_empty());
    assert_eq!(header(&r, "x-ms-meta-owner"), "tests");
    // Set Blob Metadata replaces all metadata; 404 when absent.
    let r = c
        .put(format!("{url}&comp=metadata"))
        .header("x-ms-meta-upload_status", "completed")
        .header("x-ms-meta-name", "anon")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.head(&url).send().await.unwrap();
    assert_eq!(header(&r, "x-ms-meta-upload_status"), "completed");
    assert_eq!(header(&r, "x-ms-meta-owner"), "");
    let r = c
        .put(format!("{bad}&comp=metadata"))
        .header("x-ms-meta-a", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Get Blob: whole, ranged (206 + Content-Range) with either header, and past the end (416).
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let r = c
        .get(&url)
        .header("x-ms-range", "bytes=0-33554431")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&r, "content-range"), "bytes 0-999/1000");
    assert_eq!(r.bytes().await.unwrap().len(), 1000);
    let r = c
        .get(&url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&r, "content-range"), "bytes 10-19/1000");
    assert_eq!(r.bytes().await.unwrap().to_vec(), data[10..20].to_vec());
    let r = c
        .get(&url)
        .header("x-ms-range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&r, "x-ms-error-code"), "InvalidRange");

    // Put Block ×3, Put Block List of two: the blob is their concatenation, the third is dropped.
    let big = blob_url(&sas, "src/big.bin");
    let ids = ["YmxvY2stMDAwMQ==", "YmxvY2stMDAwMg==", "YmxvY2stMDAwMw=="];
    for (i, id) in ids.iter().enumerate() {
        let part = vec![b'a' + i as u8; 5];
        let r = c
            .put(format!(
                "{big}&comp=block&blockid={}",
                id.replace('=', "%3D")
            ))
            .header("Content-MD5", md5_b64(&part))
            .body(part)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = c.head(&big).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "uncommitted blocks are no blob"
    );
    let list = format!(
        "<?xml version='1.0' encoding='utf-8'?>\n<BlockList><Latest>{}</Latest><Latest>{}</Latest></BlockList>",
        ids[1], ids[0]
    );
    let r = c
        .put(format!("{big}&comp=blocklist"))
        .header("Content-Type", "application/xml")
        .header("Content-MD5", md5_b64(list.as_bytes()))
        .header("If-None-Match", "*")
        .header("x-ms-meta-kind", "blocks")
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        c.get(&big).send().await.unwrap().text().await.unwrap(),
        "bbbbbaaaaa"
    );
    // The dropped block cannot be committed later; a committed one can be reused.
    let list = format!(
        "<BlockList><Uncommitted>{}</Uncommitted></BlockList>",
        ids[2]
    );
    let r = c
        .put(format!("{big}&comp=blocklist"))
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&r, "x-ms-error-code"), "InvalidBlockList");
    let list = format!("<BlockList><Committed>{}</Committed></BlockList>", ids[0]);
    let r = c
        .put(format!("{big}&comp=blocklist"))
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        c.get(&big).send().await.unwrap().text().await.unwrap(),
        "aaaaa"
    );

    // List Blobs on the folder the SAS names (what a client of that URL sends).
    let (folder, query) = sas.split_once('?').unwrap();
    let listing = |extra: &str| format!("{folder}?restype=container&comp=list&{query}{extra}");
    let r = c
        .get(listing("&prefix=src/&include=metadata"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("application/xml"));
    let xml = r.text().await.unwrap();
    let a = xml.find("<Name>src/big.bin</Name>").expect(&xml);
    let b = xml.find("<Name>src/data.bin</Name>").expect(&xml);
    assert!(a < b, "lexical order: {xml}");
    assert!(
        xml.contains("<Content-Length>1000</Content-Length>"),
        "{xml}"
    );
    assert!(
        xml.contains("<upload_status>completed</upload_status>"),
        "{xml}"
    );
    assert!(xml.contains("<NextMarker />"), "{xml}");
    let r = c
        .get(listing("&prefix=src/&maxresults=1"))
        .send()
        .await
        .unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains("<NextMarker>src/data.bin</NextMarker>"),
        "{xml}"
    );
    assert!(!xml.contains("src/data.bin</Name>"), "{xml}");
    let r = c
        .get(listing("&prefix=src/&maxresults=1&marker=src/data.bin"))
        .send()
        .await
        .unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains("<Name>src/data.bin</Name>") && xml.contains("<NextMarker />"),
        "{xml}"
    );
    let r = c.get(listing("&delimiter=/")).send().await.unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains("<BlobPrefix><Name>src/</Name></BlobPrefix>"),
        "{xml}"
    );
    assert!(!xml.contains("<Blob>"), "{xml}");
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_requests_need_a_valid_sas_in_scope_or_the_token() {
    let e = Emu::start().await;
    let (_, sas) = e.pending().await;
    let (_, other) = e.pending().await;
    let c = &e.http;
    e.upload(&sas, "src", &[("a.txt", b"a")]).await;
    // A tampered signature.
    let tampered = blob_url(&sas, "src/a.txt").replace("sig=", "sig=AAAA");
    let r = c.get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&r, "x-ms-error-code"), "AuthenticationFailed");
    // No credentials at all.
    let (base, _) = sas.split_once('?').unwrap();
    let r = c.get(format!("{base}/src/a.txt")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another upload's SAS does not reach this folder.
    let (_, other_q) = other.split_once('?').unwrap();
    let r = c
        .get(format!("{base}/src/a.txt?{other_q}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&r, "x-ms-error-code"), "AuthenticationFailed");
    // The bearer token is accepted.
    let r = c
        .get(format!("{base}/src/a.txt"))
        .bearer_auth(e.h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // An expired SAS and a read-only SAS signed with the emulator's key.
    let (account, container) = e.blobstore().await;
    let key = std::fs::read(e.dir.path().join("blob.key")).unwrap();
    let sign = |sp: &str, se: &str| {
        let st = "2020-01-01T00:00:00Z";
        let text = format!("{sp}\n{st}\n{se}\n/blob/{account}/{container}\n2021-08-06\nc");
        let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
        let sig = azure_b64(aws_lc_rs::hmac::sign(&k, text.as_bytes()).as_ref());
        format!(
            "sv=2021-08-06&st={st}&se={se}&sr=c&sp={sp}&sig={}",
            sig.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        )
    };
    let blob = e.storage(&account, &container, "/x.txt");
    let r = c
        .put(format!("{blob}?{}", sign("racwl", "2020-06-01T00:00:00Z")))
        .header("x-ms-blob-type", "BlockBlob")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&r, "x-ms-error-code"), "AuthenticationFailed");
    let r = c
        .put(format!("{blob}?{}", sign("rl", "2099-01-01T00:00:00Z")))
        .header("x-ms-blob-type", "BlockBlob")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&r, "x-ms-error-code"),
        "AuthorizationPermissionMismatch"
    );
    let r = c
        .put(format!("{blob}?{}", sign("racwl", "2099-01-01T00:00:00Z")))
        .header("x-ms-blob-type", "BlockBlob")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // Names that could escape the data directory, and bodies over the limit.
    let token = e.h.token().to_string();
    for bad in ["a/../../../x", "a/%00b", "a//b"] {
        let status = e
            .raw(&format!(
                "PUT /storage/{account}/{container}/{bad} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nx-ms-blob-type: BlockBlob\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
            ))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let status = e
        .raw(&format!(
            "PUT /storage/{account}/{container}/huge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nx-ms-blob-type: BlockBlob\r\nContent-Length: 300000000\r\nConnection: close\r\n\r\n"
        ))
        .await;
    assert_eq!(status, 413);
    assert!(!e.dir.path().join("x").exists());
    e.h.shutdown().await;
}

// ------------------------------------------------------------------ datastores

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_datastore_and_its_secrets() {
    let e = Emu::start().await;
    let (_, ws) = e.call(Method::GET, &e.ws(""), None).await;
    let wsid = ws["properties"]["workspaceId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = e.call(Method::GET, &e.ws("/datastores"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 1, "{v}");
    let (_, v) = e
        .call(Method::GET, &e.ws("/datastores?isDefault=true"), None)
        .await;
    assert_eq!(v["value"][0]["name"], "workspaceblobstore");
    let (_, v) = e
        .call(Method::GET, &e.ws("/datastores?isDefault=false"), None)
        .await;
    assert_eq!(v["value"], json!([]));
    let (s, d) = e
        .call(Method::GET, &e.ws("/datastores/workspaceblobstore"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let p = &d["properties"];
    assert_eq!(p["datastoreType"], "AzureBlob");
    assert_eq!(p["isDefault"], true);
    assert_eq!(p["containerName"], format!("azureml-blobstore-{wsid}"));
    assert_eq!(p["credentials"]["credentialsType"], "Sas");
    assert_eq!(p["endpoint"], "core.windows.net");
    assert_eq!(p["protocol"], "https");
    assert!(
        d["id"]
            .as_str()
            .unwrap()
            .ends_with("/datastores/workspaceblobstore")
    );
    let (s, _) = e.call(Method::GET, &e.ws("/datastores/nope"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // listSecrets: a container SAS that works for the datastore path uploads (§7).
    let (s, v) = e
        .call(
            Method::POST,
            &e.ws("/datastores/workspaceblobstore/listSecrets"),
            Some(json!({"expirableSecret": true, "expireAfterHours": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["secretsType"], "Sas");
    let sas = v["sasToken"].as_str().unwrap().to_string();
    assert!(!sas.starts_with('?') && sas.contains("sig="), "{sas}");
    let (s, _) = e
        .call(
            Method::POST,
            &e.ws("/datastores/workspaceblobstore/listSecrets"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (account, container) = (
        p["accountName"].as_str().unwrap(),
        p["containerName"].as_str().unwrap(),
    );
    let url = e.storage(account, container, "/LocalUpload/h1/data/x.csv");
    let r = e
        .http
        .put(format!("{url}?{sas}"))
        .header("x-ms-blob-type", "BlockBlob")
        .body("a,b\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let list = e.storage(
        account,
        container,
        &format!("?restype=container&comp=list&prefix=LocalUpload/h1/&{sas}"),
    );
    let xml = e.http.get(list).send().await.unwrap().text().await.unwrap();
    assert!(
        xml.contains("<Name>LocalUpload/h1/data/x.csv</Name>"),
        "{xml}"
    );
    e.h.shutdown().await;
}

// ------------------------------------------------------------------ environments

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_versions_are_ordered_and_immutable() {
    let e = Emu::start().await;
    let env = |v: &str| e.ws(&format!("/environments/sklearn/versions/{v}"));
    for v in ["1", "2", "3"] {
        let (s, b) = e
            .call(
                Method::PUT,
                &env(v),
                Some(json!({"properties": {"image": format!("docker.io/library/python:3.{v}"), "description": "d"}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["properties"]["environmentType"], "UserCreated");
        assert_eq!(b["properties"]["provisioningState"], "Succeeded");
        assert_eq!(b["properties"]["osType"], "Linux");
        assert!(
            b["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/environments/sklearn/versions/{v}"))
        );
    }
    let latest = e.ws("/environments/sklearn/versions?$orderBy=createdtime%20desc&$top=1");
    let (s, v) = e.call(Method::GET, &latest, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["3"]);
    // The Python SDK's quirk: `azureml:` kept in the name (submit.md §6).
    let quirk = e.ws("/environments/azureml%3Asklearn/versions?$orderBy=createdtime%20desc&$top=1");
    let (s, v) = e.call(Method::GET, &quirk, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"][0]["name"], "3");
    let (_, v) = e
        .call(
            Method::GET,
            &e.ws("/environments/sklearn/versions?$orderBy=createdtime%20desc"),
            None,
        )
        .await;
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["3", "2", "1"]);
    let (_, v) = e
        .call(
            Method::GET,
            &e.ws("/environments/none/versions?$top=1"),
            None,
        )
        .await;
    assert_eq!(v["value"], json!([]));
    // The same definition again: 200; another image: 409 naming it.
    let (s, _) = e
        .call(Method::PUT, &env("2"), Some(json!({"properties": {"image": "docker.io/library/python:3.2", "description": "d"}})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = e
        .call(
            Method::PUT,
            &env("2"),
            Some(json!({"properties": {"image": "other:1"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("image"),
        "{v}"
    );
    // Exactly one of image and build.
    let (s, v) = e
        .call(
            Method::PUT,
            &env("9"),
            Some(json!({"properties": {"image": "x", "build": {"contextUri": "https://a/b/"}}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("build"),
        "{v}"
    );
    let (s, v) = e
        .call(
            Method::PUT,
            &env("9"),
            Some(json!({"properties": {"condaFile": "name: x"}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("image"),
        "{v}"
    );
    // Missing ones.
    let (s, _) = e.call(Method::GET, &env("7"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = e.call(Method::GET, &e.ws("/environments/none"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // An anonymous version, PUT on every submission, is accepted again and hidden from lists.
    let anon = e.ws("/environments/CliV2AnonymousEnvironment/versions/0123abcd");
    let body = json!({"properties": {"condaFile": "name: x\n", "image": "mcr.microsoft.com/azureml/base:latest", "isAnonymous": true, "isArchived": false}});
    let (s, v) = e.call(Method::PUT, &anon, Some(body.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = e.call(Method::PUT, &anon, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = e.call(Method::GET, &e.ws("/environments"), None).await;
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sklearn"]);
    let (_, v) = e
        .call(Method::GET, &e.ws("/environments/sklearn"), None)
        .await;
    assert_eq!(v["properties"]["latestVersion"], "3");
    assert_eq!(v["properties"]["nextVersion"], "4");
    e.h.shutdown().await;
}

// ------------------------------------------------------------------ jobs

impl Emu {
    async fn put_job(&self, name: &str, props: Value) -> (StatusCode, Value) {
        let mut p = json!({"jobType": "Command", "environmentId": "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest"});
        for (k, v) in props.as_object().unwrap() {
            p[k] = v.clone();
        }
        let url = self
            .ws(&format!("/jobs/{name}"))
            .replace("api-version=2023-04-01", "api-version=2025-01-01-preview");
        self.call(Method::PUT, &url, Some(json!({"properties": p})))
            .await
    }

    /// Waits for a job to end; returns its status.
    async fn ended(&self, name: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = self
                .ws(&format!("/jobs/{name}"))
                .replace("api-version=2023-04-01", "api-version=2025-12-01");
            let (s, v) = self.call(Method::GET, &url, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let status = v["properties"]["status"].as_str().unwrap().to_string();
            if ["Completed", "Failed", "Canceled"].contains(&status.as_str()) {
                return status;
            }
            assert!(Instant::now() < deadline, "{name} is still {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn run_dir(&self, job: &str) -> std::path::PathBuf {
        let (_, ws) = self.call(Method::GET, &self.ws(""), None).await;
        let wsid = ws["properties"]["workspaceId"].as_str().unwrap();
        self.dir.path().join("runs").join(wsid).join(job)
    }

    async fn log(&self, job: &str, rank: usize) -> String {
        let path = self
            .run_dir(job)
            .await
            .join(format!("user_logs/std_log_process_{rank}.txt"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Uploads `files` to the default datastore under `path`.
    async fn to_datastore(&self, path: &str, files: &[(&str, &[u8])]) {
        let (account, container) = self.blobstore().await;
        for (rel, bytes) in files {
            let url = self.storage(&account, &container, &format!("/{path}/{rel}"));
            let r = self
                .http
                .put(url)
                .bearer_auth(self.h.token())
                .header("x-ms-blob-type", "BlockBlob")
                .body(bytes.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_the_uploaded_snapshot_with_datastore_inputs() {
    let e = Emu::start().await;
    let script = b"echo \"snapshot says $(cat lib/msg.txt)\"\necho \"rows: $(wc -l < \"$1/x.csv\")\"\necho \"file: $(cat \"$2\")\"\necho \"lr=$3\"\nmkdir -p \"$4\" && echo done > \"$4/model.txt\"\n";
    let code_id = e
        .code_asset(
            "snap",
            &[
                ("run.sh", script),
                ("lib/msg.txt", b"hello from the code folder"),
            ],
            "c0de",
        )
        .await;
    e.to_datastore(
        "LocalUpload/d1/data",
        &[("x.csv", b"a,b\n1,2\n3,4\n"), ("notes.txt", b"n")],
    )
    .await;
    let (s, v) = e
        .put_job(
            "snapjob",
            json!({
                "codeId": code_id,
                "command": "sh run.sh ${{inputs.data}} ${{inputs.one}} ${{inputs.lr}} ${{outputs.model}}",
                "inputs": {
                    "data": {"jobInputType": "uri_folder", "uri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/d1/data/"},
                    "one": {"jobInputType": "uri_file", "uri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/d1/data/notes.txt"},
                    "lr": {"jobInputType": "literal", "value": "0.25"},
                },
                "outputs": {"model": {"jobOutputType": "uri_folder"}},
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let status = e.ended("snapjob").await;
    let log = e.log("snapjob", 0).await;
    assert_eq!(status, "Completed", "{log}");
    assert!(
        log.contains("snapshot says hello from the code folder"),
        "{log}"
    );
    assert!(log.contains("rows: 3"), "{log}");
    assert!(log.contains("file: n"), "{log}");
    assert!(log.contains("lr=0.25"), "{log}");
    let dir = e.run_dir("snapjob").await;
    assert!(dir.join("run.sh").is_file() && dir.join("lib/msg.txt").is_file());
    assert!(dir.join("inputs/data/x.csv").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join("outputs/model/model.txt")).unwrap(),
        "done\n"
    );
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_naming_missing_assets_are_refused() {
    let e = Emu::start().await;
    let wsid = e
        .ws("")
        .split('?')
        .next()
        .unwrap()
        .split(e.h.url().as_str())
        .nth(1)
        .unwrap()
        .to_string();
    let (s, v) = e
        .put_job(
            "nocode",
            json!({"command": "true", "codeId": format!("/{wsid}/codes/ghost/versions/1")}),
        )
        .await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
        "{s} {v}"
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with("Code version ghost:1 not found"), "{msg}");
    let env = format!("/{wsid}/environments/ghost/versions/3");
    let (s, v) = e
        .put_job("noenv", json!({"command": "true", "environmentId": env}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains(&env),
        "{v}"
    );
    // Registered, curated and registry environments are accepted.
    let (s, v) = e
        .call(
            Method::PUT,
            &e.ws("/environments/ghost/versions/3"),
            Some(json!({"properties": {"image": "python:3.11"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    for (i, env) in [
        env.clone(),
        "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:44".to_string(),
        "azureml://registries/azureml/environments/sklearn-1.5/labels/latest".to_string(),
    ]
    .into_iter()
    .enumerate()
    {
        let (s, v) = e
            .put_job(
                &format!("env{i}"),
                json!({"command": "true", "environmentId": env}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    for i in 0..3 {
        e.ended(&format!("env{i}")).await;
    }
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_jobs_get_their_ranks() {
    let e = Emu::start().await;
    let cmd = "echo \"rank=$RANK local=$LOCAL_RANK world=$WORLD_SIZE node=$NODE_RANK master=$MASTER_ADDR:$MASTER_PORT ompi=$OMPI_COMM_WORLD_RANK/$OMPI_COMM_WORLD_SIZE tf=$TF_CONFIG\"";
    let jobs = [
        (
            "torch",
            2,
            json!({"distributionType": "PyTorch", "processCountPerInstance": 2}),
        ),
        (
            "mpi",
            1,
            json!({"distributionType": "Mpi", "processCountPerInstance": 2}),
        ),
        (
            "tf",
            2,
            json!({"distributionType": "TensorFlow", "workerCount": 2, "parameterServerCount": 1}),
        ),
    ];
    for (name, n, dist) in &jobs {
        let (s, v) = e
            .put_job(
                name,
                json!({"command": cmd, "resources": {"instanceCount": n}, "distribution": dist}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    for (name, _, _) in &jobs {
        assert_eq!(e.ended(name).await, "Completed");
    }
    // Every rank is a process on this machine: 100 instances × 64 is refused before anything
    // runs, saying how many it would be.
    let (s, v) = e
        .put_job(
            "too-many-ranks",
            json!({"command": "true", "resources": {"instanceCount": 100},
                "distribution": {"distributionType": "PyTorch", "processCountPerInstance": 64}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("6400 processes"),
        "{v}"
    );
    let mut ports = Vec::new();
    for r in 0..4 {
        let log = e.log("torch", r).await;
        let (node, local) = (r / 2, r % 2);
        assert!(
            log.contains(&format!(
                "rank={r} local={local} world=4 node={node} master=127.0.0.1:"
            )),
            "{log}"
        );
        ports.push(
            log.split("master=127.0.0.1:")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    assert!(
        ports.iter().all(|p| p == &ports[0] && !p.is_empty()),
        "{ports:?}"
    );
    assert!(
        !e.run_dir("torch")
            .await
            .join("user_logs/std_log_process_4.txt")
            .exists()
    );
    for r in 0..2 {
        let log = e.log("mpi", r).await;
        assert!(
            log.contains(&format!("rank={r} local={r} world=2")),
            "{log}"
        );
        assert!(log.contains(&format!("ompi={r}/2")), "{log}");
    }
    let mut tf: Vec<Value> = Vec::new();
    for r in 0..3 {
        let log = e.log("tf", r).await;
        let json = log.split("tf=").nth(1).unwrap().trim();
        tf.push(serde_json::from_str(json).unwrap());
    }
    assert_eq!(tf[0]["cluster"]["worker"].as_array().unwrap().len(), 2);
    assert_eq!(tf[0]["cluster"]["ps"].as_array().unwrap().len(), 1);
    assert_eq!(tf[1]["task"], json!({"type": "worker", "index": 1}));
    assert_eq!(tf[2]["task"], json!({"type": "ps", "index": 0}));
    e.h.shutdown().await;
}

// ------------------------------------------------------------------ persistence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_and_blobs_survive_a_restart() {
    let e = Emu::start().await;
    let code_id = e
        .code_asset("kept", &[("a.txt", b"kept content")], "feed")
        .await;
    let (s, _) = e
        .call(
            Method::PUT,
            &e.ws("/environments/keep-env/versions/1"),
            Some(json!({"properties": {"image": "python:3.12"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, code) = e
        .call(Method::GET, &e.ws("/codes/kept/versions/1"), None)
        .await;
    let e = e.restart().await;
    let (s, v) = e
        .call(
            Method::GET,
            &e.ws("/codes/x/versions?hash=feed&hashVersion=202208"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"][0]["id"], code_id.as_str());
    let (s, v) = e
        .call(
            Method::GET,
            &e.ws("/environments/keep-env/versions/1"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The blobs too: read back through the emulator's token.
    let uri = code["properties"]["codeUri"].as_str().unwrap();
    let r = e
        .http
        .get(format!("{uri}/a.txt"))
        .bearer_auth(e.h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "kept content");
    // A job on it still runs after the restart.
    let (s, v) = e
        .put_job("after", json!({"command": "cat a.txt", "codeId": code_id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(e.ended("after").await, "Completed");
    assert!(e.log("after", 0).await.contains("kept content"));
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_job_keeps_its_materialised_snapshot() {
    let e = Emu::start().await;
    let code_id = e
        .code_asset("resumed", &[("a.txt", b"from the upload")], "abba")
        .await;
    let (s, v) = e
        .put_job(
            "resume",
            json!({"command": "if [ -f .second ]; then cat a.txt; exit 0; fi; touch .second; sleep 30", "codeId": code_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let dir = e.run_dir("resume").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dir.join(".second").exists() {
        assert!(Instant::now() < deadline, "the first attempt never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Changed in the run folder: a re-materialised snapshot would overwrite it.
    std::fs::write(dir.join("a.txt"), "edited in the run folder").unwrap();
    let e = e.restart().await;
    assert_eq!(e.ended("resume").await, "Completed");
    let log = e.log("resume", 0).await;
    assert!(log.contains("edited in the run folder"), "{log}");
    e.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datastore_input_that_is_not_there_fails_the_job_naming_it() {
    let e = Emu::start().await;
    let (s, v) = e
        .put_job(
            "noinput",
            json!({
                "command": "ls ${{inputs.data}}",
                "inputs": {"data": {"jobInputType": "uri_folder", "uri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/none/"}},
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(e.ended("noinput").await, "Failed");
    // The reason is in the run's details (run history), as for any failed run.
    let url = e.ws("/runs/noinput/details").replacen(
        e.h.url().as_str(),
        &format!("{}history/v1.0/", e.h.url()),
        1,
    );
    let (s, v) = e.call(Method::GET, &url, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let msg = v["error"]["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {v}"));
    assert!(
        msg.contains("LocalUpload/none/") && msg.contains("input data"),
        "{msg}"
    );
    e.h.shutdown().await;
}
