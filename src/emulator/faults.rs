//! Fault injection for the emulator: the `--faults` spec (`latency=50ms,error=0.05,throttle=0.05,
//! drop=0.01,seed=7`) and the deterministic per-request decision. The n-th faultable request
//! always gets the same fate for a given seed, so a run is reproducible when requests arrive in
//! the same order. This module decides; the server (`server.rs`) applies the decision. It never
//! touches state.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What `--faults` asks for. Ratios are probabilities per request, in `0..=1`, and together at most 1.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Added before every faultable request is answered.
    pub latency: Duration,
    /// Share of requests answered 500 `InternalServerError`.
    pub error: f64,
    /// Share of requests answered 429 `TooManyRequests` with `Retry-After`.
    pub throttle: f64,
    /// Share of requests whose connection is closed without any HTTP response.
    pub drop: f64,
    /// Seed of the decision sequence.
    pub seed: u64,
    /// `Retry-After` sent with injected 429s (whole seconds, at least 1).
    pub retry_after: Duration,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            latency: Duration::ZERO,
            error: 0.0,
            throttle: 0.0,
            drop: 0.0,
            seed: 0,
            retry_after: Duration::from_secs(1),
        }
    }
}

/// The fate of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Pass,
    Error,
    Throttle,
    Drop,
}

impl FaultSpec {
    /// Parses `key=value` pairs separated by commas. Keys: `latency` (`50ms`, `1s`, `250us`, or a
    /// bare number of milliseconds), `error`, `throttle`, `drop` (ratios), `seed` (integer),
    /// `retry-after` (duration). An empty string means no faults.
    pub fn parse(s: &str) -> Result<FaultSpec, String> {
        let mut spec = FaultSpec::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault {part:?} is not key=value"))?;
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "latency" => spec.latency = parse_duration(value)?,
                "retry-after" | "retry_after" => {
                    spec.retry_after = parse_duration(value)?.max(Duration::from_secs(1))
                }
                "error" => spec.error = parse_ratio(&key, value)?,
                "throttle" => spec.throttle = parse_ratio(&key, value)?,
                "drop" => spec.drop = parse_ratio(&key, value)?,
                "seed" => {
                    spec.seed = value
                        .parse()
                        .map_err(|_| format!("seed {value:?} is not a non-negative integer"))?
                }
                _ => {
                    return Err(format!(
                        "unknown fault {key:?} (known: latency, error, throttle, drop, seed, retry-after)"
                    ));
                }
            }
        }
        if spec.error + spec.throttle + spec.drop > 1.0 + 1e-9 {
            return Err("error + throttle + drop must not exceed 1".to_string());
        }
        Ok(spec)
    }

    /// The fate of the `n`-th faultable request (0-based).
    pub fn fate(&self, n: u64) -> Fate {
        let u = unit(splitmix64(
            self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        ));
        if u < self.drop {
            Fate::Drop
        } else if u < self.drop + self.error {
            Fate::Error
        } else if u < self.drop + self.error + self.throttle {
            Fate::Throttle
        } else {
            Fate::Pass
        }
    }

    pub fn is_noop(&self) -> bool {
        self.latency.is_zero() && self.error == 0.0 && self.throttle == 0.0 && self.drop == 0.0
    }
}

impl FromStr for FaultSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultSpec::parse(s)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={}ms,error={},throttle={},drop={},seed={},retry-after={}s",
            self.latency.as_millis(),
            self.error,
            self.throttle,
            self.drop,
            self.seed,
            self.retry_after.as_secs()
        )
    }
}

fn parse_ratio(key: &str, value: &str) -> Result<f64, String> {
    let v: f64 = value
        .parse()
        .map_err(|_| format!("{key} {value:?} is not a number"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{key} {value} must be between 0 and 1"));
    }
    Ok(v)
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    let v = value.trim();
    let (num, unit) = match v.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, "ms"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("duration {value:?} is not a number with a unit (ms, s, us)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "us" | "µs" => n / 1_000_000.0,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("duration {value:?} has an unknown unit {unit:?}")),
    };
    if !secs.is_finite() || !(0.0..=3600.0).contains(&secs) {
        return Err(format!("duration {value:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let s = FaultSpec::parse("latency=50ms,error=0.05,throttle=0.05,drop=0.01,seed=7").unwrap();
        assert_eq!(s.latency, Duration::from_millis(50));
        assert_eq!((s.error, s.throttle, s.drop, s.seed), (0.05, 0.05, 0.01, 7));
        assert_eq!(
            "latency=1s".parse::<FaultSpec>().unwrap().latency,
            Duration::from_secs(1)
        );
        assert_eq!(
            FaultSpec::parse("latency=20").unwrap().latency,
            Duration::from_millis(20)
        );
        assert!(FaultSpec::parse("").unwrap().is_noop());
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "error=2",
            "bogus=1",
            "latency=5parsecs",
            "seed=-1",
            "drop",
            "error=0.6,throttle=0.6",
        ] {
            assert!(FaultSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fates_are_reproducible_and_proportional() {
        let s = FaultSpec::parse("error=0.2,throttle=0.1,drop=0.1,seed=42").unwrap();
        let a: Vec<Fate> = (0..2000).map(|n| s.fate(n)).collect();
        let b: Vec<Fate> = (0..2000).map(|n| s.fate(n)).collect();
        assert_eq!(a, b);
        let errors = a.iter().filter(|f| **f == Fate::Error).count();
        assert!((300..500).contains(&errors), "{errors}");
        let other = FaultSpec {
            seed: 43,
            ..s.clone()
        };
        let c: Vec<Fate> = (0..2000).map(|n| other.fate(n)).collect();
        assert_ne!(a, c);
    }
}
