//! A scriptable HTTP/1.1 server on 127.0.0.1 for client tests: each route has a queue of answers
//! (status, headers, body, or a dropped connection); every request is recorded. One request per
//! connection (`Connection: close`), so a "drop" is a real reset of the client's connection.
//! `{base}` in a scripted header or body is replaced by the server's base URL.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub enum Answer {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

pub fn reply(status: u16, body: &str) -> Answer {
    Answer::Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}

pub fn reply_with(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    Answer::Reply {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}

pub fn slow(status: u16, body: &str, delay: Duration) -> Answer {
    Answer::Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
        delay,
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

type Script = HashMap<(String, String), VecDeque<Answer>>;

pub struct ScriptServer {
    pub base: String,
    script: Arc<Mutex<Script>>,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptServer {
    pub async fn start() -> ScriptServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let script: Arc<Mutex<Script>> = Arc::default();
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let (s, l, b) = (script.clone(), log.clone(), base.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (s, l, b) = (s.clone(), l.clone(), b.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    let key = (request.method.clone(), request.path().to_string());
                    l.lock().unwrap().push(request);
                    let answer = s
                        .lock()
                        .unwrap()
                        .get_mut(&key)
                        .and_then(|q| q.pop_front())
                        .unwrap_or_else(|| reply(599, &format!("unscripted {} {}", key.0, key.1)));
                    match answer {
                        Answer::Drop => {
                            let _ = socket.shutdown().await;
                        }
                        Answer::Reply {
                            status,
                            headers,
                            body,
                            delay,
                        } => {
                            tokio::time::sleep(delay).await;
                            let body = body.replace("{base}", &b);
                            let mut head = format!(
                                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                                body.len()
                            );
                            if !headers
                                .iter()
                                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                            {
                                head.push_str("content-type: application/json\r\n");
                            }
                            for (k, v) in headers {
                                head.push_str(&format!("{k}: {}\r\n", v.replace("{base}", &b)));
                            }
                            head.push_str("\r\n");
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(body.as_bytes()).await;
                            let _ = socket.shutdown().await;
                        }
                    }
                });
            }
        });
        ScriptServer {
            base,
            script,
            log,
            task,
        }
    }

    /// Queues answers for `METHOD /path` (path without query).
    pub fn on(&self, method: &str, path: &str, answers: Vec<Answer>) {
        self.script
            .lock()
            .unwrap()
            .entry((method.to_string(), path.to_string()))
            .or_default()
            .extend(answers);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path() == path)
            .count()
    }

    pub fn url(&self, path_and_query: &str) -> url::Url {
        url::Url::parse(&self.base)
            .unwrap()
            .join(path_and_query.trim_start_matches('/'))
            .unwrap()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let mut headers = HashMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}
