//! Reading log files by byte range from their signed (SAS) URLs: `Range: bytes=N-` and the
//! meaning of each answer (206 partial, 200 whole file, 404 not there yet, 416 nothing new).
//! Signed URLs carry their credential in the query, so no bearer is sent and URLs are never
//! shown with their query.

use super::client::AmlClient;
use super::error::{AzureError, Result, redact_url};
use super::http::Request;
use url::Url;

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

impl AmlClient {
    /// Reads `url` from byte `offset` on.
    pub async fn read_log_range(&self, url: &Url, offset: u64) -> Result<LogRead> {
        let request = Request::get(url.clone())
            .without_auth()
            .header("range", format!("bytes={offset}-"))
            .header("x-ms-range", format!("bytes={offset}-"));
        let response = self.pipeline.send_raw(request).await?;
        let content_range = response.header("content-range").map(parse_content_range);
        match response.status.as_u16() {
            206 => {
                let (start, total) = content_range.unwrap_or((None, None));
                if let Some(start) = start
                    && start != offset
                {
                    return Err(AzureError::Decode {
                        method: "GET".into(),
                        url: redact_url(url),
                        message: format!("asked for bytes from {offset}, got a range from {start}"),
                    });
                }
                if response.body.is_empty() {
                    Ok(LogRead::NoNewData { total })
                } else {
                    Ok(LogRead::Data {
                        bytes: response.body.to_vec(),
                        total,
                    })
                }
            }
            200 => {
                // The server ignored the range and sent the whole file.
                let total = response.body.len() as u64;
                if total < offset {
                    Ok(LogRead::Truncated { total })
                } else if total == offset {
                    Ok(LogRead::NoNewData { total: Some(total) })
                } else {
                    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
                    Ok(LogRead::Data {
                        bytes: response.body[skip..].to_vec(),
                        total: Some(total),
                    })
                }
            }
            404 => Ok(LogRead::NotFound),
            416 => {
                let total = content_range.and_then(|(_, t)| t);
                match total {
                    Some(total) if total < offset => Ok(LogRead::Truncated { total }),
                    _ => Ok(LogRead::NoNewData { total }),
                }
            }
            _ => Err(response.to_error()),
        }
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
