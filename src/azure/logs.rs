//! Reading log files by byte range from their signed (SAS) URLs: a bounded
//! `Range: bytes=N-(N+MAX-1)` (at most [`MAX_RANGE`] bytes per answer: real Azure Blob sends
//! the whole rest of a blob for an open-ended range) and the meaning of each answer (206
//! partial, possibly shorter than asked; 200 whole file; 404 not there yet; 416 nothing new; a
//! 206 longer than asked or from another offset is refused). [`AmlClient::probe_log_size`]
//! asks `bytes=0-0` for the size alone. Every answer says how many body bytes it carried
//! (for the follower's traffic figures), and so does [`AmlClient::run_details_sized`].
//! Signed URLs carry their credential in the query, so no bearer is sent and URLs are never
//! shown with their query.

use super::client::AmlClient;
use super::error::{AzureError, Result, redact_url};
use super::http::Request;
use crate::azure::models::RunDetails;
use url::Url;

/// The most bytes one ranged read asks for (4 MiB).
pub const MAX_RANGE: u64 = 4 * 1024 * 1024;

/// What a ranged read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRead {
    /// Bytes from `offset` on; `total` is the file size when the server said it.
    Data { bytes: Vec<u8>, total: Option<u64> },
    /// Nothing past `offset` (416, or an empty 206/200).
    NoNewData { total: Option<u64> },
    /// The file is shorter than `offset`: it was truncated or replaced; read again from 0.
    Truncated { total: u64 },
    /// The file does not exist (yet): 404.
    NotFound,
}

/// `Content-Range: bytes START-END/TOTAL` or `bytes */TOTAL` → (start, total).
pub fn parse_content_range(value: &str) -> (Option<u64>, Option<u64>) {
    let Some(rest) = value.trim().strip_prefix("bytes") else {
        return (None, None);
    };
    let rest = rest.trim();
    let (range, total) = rest.split_once('/').unwrap_or((rest, "*"));
    let start = range
        .split_once('-')
        .and_then(|(s, _)| s.trim().parse().ok());
    (start, total.trim().parse().ok())
}

/// A ranged read's answer and the body bytes it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeAnswer {
    pub read: LogRead,
    /// Bytes of the response body (whatever its status), for traffic figures.
    pub wire_bytes: u64,
}

fn decode_error(url: &Url, message: String) -> AzureError {
    AzureError::Decode {
        method: "GET".into(),
        url: redact_url(url),
        message,
    }
}

impl AmlClient {
    /// Reads `url` from byte `offset` on, at most [`MAX_RANGE`] bytes.
    pub async fn read_log_range(&self, url: &Url, offset: u64) -> Result<LogRead> {
        Ok(self.read_log_chunk(url, offset, MAX_RANGE).await?.read)
    }

    /// Reads at most `max` bytes (at least 1) of `url` from byte `offset` on, with a bounded
    /// range. A 206 shorter than asked is normal (the end of the file); a 206 from another
    /// offset or longer than asked is a `Decode` error. A 200 (range ignored) gives the bytes
    /// past `offset`, all of them (they came anyway).
    pub async fn read_log_chunk(&self, url: &Url, offset: u64, max: u64) -> Result<RangeAnswer> {
        let last = offset.saturating_add(max.max(1) - 1);
        let range = format!("bytes={offset}-{last}");
        let request = Request::get(url.clone())
            .without_auth()
            .header("range", range.clone())
            .header("x-ms-range", range);
        let response = self.pipeline.send_raw(request).await?;
        let wire_bytes = response.body.len() as u64;
        let content_range = response.header("content-range").map(parse_content_range);
        let read = match response.status.as_u16() {
            206 => {
                let (start, total) = content_range.unwrap_or((None, None));
                if let Some(start) = start
                    && start != offset
                {
                    return Err(decode_error(
                        url,
                        format!("asked for bytes from {offset}, got a range from {start}"),
                    ));
                }
                if wire_bytes > max.max(1) {
                    return Err(decode_error(
                        url,
                        format!("asked for at most {max} bytes, got {wire_bytes}"),
                    ));
                }
                if response.body.is_empty() {
                    LogRead::NoNewData { total }
                } else {
                    LogRead::Data {
                        bytes: response.body.to_vec(),
                        total,
                    }
                }
            }
            200 => {
                // The server ignored the range and sent the whole file.
                let total = wire_bytes;
                if total < offset {
                    LogRead::Truncated { total }
                } else if total == offset {
                    LogRead::NoNewData { total: Some(total) }
                } else {
                    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
                    LogRead::Data {
                        bytes: response.body[skip..].to_vec(),
                        total: Some(total),
                    }
                }
            }
            404 => LogRead::NotFound,
            416 => {
                let total = content_range.and_then(|(_, t)| t);
                match total {
                    Some(total) if total < offset => LogRead::Truncated { total },
                    _ => LogRead::NoNewData { total },
                }
            }
            _ => return Err(response.to_error()),
        };
        Ok(RangeAnswer { read, wire_bytes })
    }

    /// The size of the file at `url` by asking for its first byte (`bytes=0-0`): the total
    /// of `Content-Range` (206 or 416), the body's length for a 200; `None` when the file is
    /// missing or the server does not say. Also returns the body bytes it carried.
    pub async fn probe_log_size(&self, url: &Url) -> Result<(Option<u64>, u64)> {
        let request = Request::get(url.clone())
            .without_auth()
            .header("range", "bytes=0-0")
            .header("x-ms-range", "bytes=0-0");
        let response = self.pipeline.send_raw(request).await?;
        let wire = response.body.len() as u64;
        let total = response
            .header("content-range")
            .map(parse_content_range)
            .and_then(|(_, t)| t);
        match response.status.as_u16() {
            206 | 416 => Ok((total, wire)),
            200 => Ok((Some(wire), wire)),
            404 => Ok((None, wire)),
            _ => Err(response.to_error()),
        }
    }

    /// [`run_details`](AmlClient::run_details), with the body bytes of the answer.
    pub async fn run_details_sized(&self, run_id: &str) -> Result<(RunDetails, u64)> {
        let base = self.data_plane_url().await?;
        let mut segments = vec!["history", "v1.0"];
        segments.extend(self.workspace_segments());
        segments.extend(["runs", run_id, "details"]);
        let url = AmlClient::url_from(&base, &segments, &[])?;
        let response = self.pipeline.send(Request::get(url)).await?;
        let details = response.json()?;
        Ok((details, response.body.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_forms() {
        assert_eq!(
            parse_content_range("bytes 10-19/100"),
            (Some(10), Some(100))
        );
        assert_eq!(parse_content_range("bytes */42"), (None, Some(42)));
        assert_eq!(parse_content_range("bytes 0-9/*"), (Some(0), None));
        assert_eq!(parse_content_range("items 1-2/3"), (None, None));
    }
}
