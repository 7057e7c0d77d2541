//! Pure formatting of times, ages and durations for the TUI ("45s", "3h12m", "PT30M" → "30m")
//! and parsing of the date-time texts Azure sends. Everything takes "now" as an argument so
//! views are deterministic in tests. No clock reads and no I/O here.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch of an ARM date-time (`2021-04-01T22:00:00.0000000+00:00`,
/// `2024-01-01T00:00:00Z`, one without an offset (read as UTC), or with a space for the `T` as
/// in run properties: `2024-01-01 00:00:00`). `None` when unreadable.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let spaced;
    let text = if text.as_bytes().get(10) == Some(&b' ') {
        spaced = format!("{}T{}", &text[..10], &text[11..]);
        spaced.as_str()
    } else {
        text
    };
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        // No offset (seen in some services): read as UTC.
        let with_z = format!("{text}Z");
        OffsetDateTime::parse(&with_z, &Rfc3339).ok()
    })?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A compact age: `45s`, `12m`, `3h12m`, `30h`, `5d`, `2y`; `0s` for times in the future.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    compact((now_ms - then_ms).max(0) / 1000)
}

/// A compact duration of `ms` milliseconds: `950ms` is `0s`, then as [`age`] with minutes and
/// seconds below an hour (`1m23s`).
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    if (60..3600).contains(&secs) {
        return format!("{}m{:02}s", secs / 60, secs % 60);
    }
    compact(secs)
}

fn compact(secs: i64) -> String {
    const MIN: i64 = 60;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    match secs {
        s if s < MIN => format!("{s}s"),
        s if s < HOUR => format!("{}m", s / MIN),
        s if s < 10 * HOUR => {
            let m = (s % HOUR) / MIN;
            if m == 0 {
                format!("{}h", s / HOUR)
            } else {
                format!("{}h{m}m", s / HOUR)
            }
        }
        s if s < 2 * DAY => format!("{}h", s / HOUR),
        s if s < 365 * DAY => format!("{}d", s / DAY),
        s => format!("{}y", s / (365 * DAY)),
    }
}

pub use crate::azure::computes::iso_duration_secs;

/// An ISO-8601 duration shown compactly (`PT30M` → `30m`, `PT1H30M` → `1h30m`); text that is
/// not a duration is returned verbatim.
pub fn iso_duration_short(text: &str) -> String {
    match iso_duration_secs(text) {
        Some(secs) => {
            let secs = i64::try_from(secs).unwrap_or(i64::MAX);
            if secs < 3600 && secs % 60 != 0 && secs > 60 {
                format!("{}m{}s", secs / 60, secs % 60)
            } else {
                compact(secs)
            }
        }
        None => text.to_owned(),
    }
}

/// `2024-01-02 03:04:05Z` for a time in ms (UTC, so views do not depend on the local zone).
pub fn utc_timestamp(ms: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms.to_string();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A date-time as received, followed by its age: `2024-01-02 03:04:05Z (3h ago)`. Unreadable
/// text is returned verbatim.
pub fn time_with_age(text: &str, now_ms: i64) -> String {
    match parse_time_ms(text) {
        Some(ms) => format!("{} ({} ago)", utc_timestamp(ms), age(now_ms, ms)),
        None => text.to_owned(),
    }
}

/// A time in ms followed by its age: `2024-01-02 03:04:05Z (3h ago)`.
pub fn ms_with_age(ms: i64, now_ms: i64) -> String {
    format!("{} ({} ago)", utc_timestamp(ms), age(now_ms, ms))
}

/// The last path segment of an ARM id (`…/computes/gpu` → `gpu`).
pub fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arm_times() {
        let a = parse_time_ms("2021-04-01T22:00:00.0000000+00:00").unwrap();
        let b = parse_time_ms("2021-04-01T22:00:00Z").unwrap();
        let c = parse_time_ms("2021-04-01T22:00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(parse_time_ms("2021-04-01 22:00:00"), Some(b));
        assert_eq!(parse_time_ms("yesterday"), None);
        assert_eq!(parse_time_ms(""), None);
    }

    #[test]
    fn ages_are_compact() {
        let now = 1_000_000_000_000;
        assert_eq!(age(now, now - 45_000), "45s");
        assert_eq!(age(now, now - 12 * 60_000), "12m");
        assert_eq!(age(now, now - (3 * 3600 + 12 * 60) * 1000), "3h12m");
        assert_eq!(age(now, now - 3 * 3600 * 1000), "3h");
        assert_eq!(age(now, now - 30 * 3600 * 1000), "30h");
        assert_eq!(age(now, now - 5 * 86_400_000), "5d");
        assert_eq!(age(now, now - 800 * 86_400_000), "2y");
        assert_eq!(age(now, now + 5000), "0s");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(83_000), "1m23s");
        assert_eq!(duration(5_000), "5s");
        assert_eq!(duration(2 * 3600 * 1000 + 5 * 60_000), "2h5m");
        assert_eq!(iso_duration_short("PT30M"), "30m");
        assert_eq!(iso_duration_short("PT2M30S"), "2m30s");
        assert_eq!(iso_duration_short("PT1H30M"), "1h30m");
        assert_eq!(iso_duration_short("P1D"), "24h");
        assert_eq!(iso_duration_short("soon"), "soon");
    }

    #[test]
    fn timestamps_are_utc() {
        let ms = parse_time_ms("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(utc_timestamp(ms), "2024-01-02 03:04:05Z");
        assert_eq!(last_segment("/a/b/computes/gpu"), "gpu");
    }
}
