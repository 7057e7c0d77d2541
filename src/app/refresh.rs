//! Refresh scheduling for one data scope (the compute list, the job list, a cluster's nodes):
//! when it is due, what is in flight, how a failure backs off and marks the data stale. Times
//! are monotonic milliseconds given by the caller; nothing here reads a clock or does I/O.

use super::msg::RequestId;

/// Cadences in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// The visible tab.
    pub visible_ms: u64,
    /// The visible tab while it holds an in-progress row.
    pub busy_ms: u64,
    /// Tabs not on screen.
    pub background_ms: u64,
    /// The longest wait after repeated failures.
    pub max_backoff_ms: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            visible_ms: 5_000,
            busy_ms: 2_000,
            background_ms: 30_000,
            max_backoff_ms: 120_000,
        }
    }
}

impl RefreshPolicy {
    /// From the config file's `[refresh]` (seconds; unset values keep the defaults; a busy
    /// cadence is at least 1 s, the others at least 2 s).
    pub fn from_secs(visible: Option<u64>, busy: Option<u64>, background: Option<u64>) -> Self {
        let d = RefreshPolicy::default();
        RefreshPolicy {
            visible_ms: visible.map(|s| s.max(2) * 1000).unwrap_or(d.visible_ms),
            busy_ms: busy.map(|s| s.max(1) * 1000).unwrap_or(d.busy_ms),
            background_ms: background
                .map(|s| s.max(2) * 1000)
                .unwrap_or(d.background_ms),
            max_backoff_ms: d.max_backoff_ms,
        }
    }

    /// The wait after `failures` failures in a row at a normal cadence of `interval_ms`:
    /// twice the cadence, doubling, capped.
    pub fn backoff_ms(&self, interval_ms: u64, failures: u32) -> u64 {
        let factor = 1u64 << failures.min(10);
        interval_ms
            .saturating_mul(factor)
            .min(self.max_backoff_ms.max(interval_ms))
    }
}

/// The refresh state of one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeState {
    /// The request whose answer is awaited (answers with another id are stale).
    pub in_flight: Option<RequestId>,
    /// When the last request finished, ok or not (monotonic ms).
    pub last_done_mono: Option<u64>,
    /// When the last good answer arrived (wall-clock ms), for "refreshed 3s ago".
    pub last_ok_wall: Option<i64>,
    /// Failures in a row since the last good answer.
    pub failures: u32,
    pub last_error: Option<String>,
    /// A refresh was asked for (`r`) while one was in flight: run again when it lands.
    pub again: bool,
}

impl ScopeState {
    /// Has data (at least one good answer).
    pub fn loaded(&self) -> bool {
        self.last_ok_wall.is_some()
    }

    /// The last request failed: the rows shown are the last good ones.
    pub fn stale(&self) -> bool {
        self.failures > 0
    }

    /// When the next request is due (monotonic ms), given the current cadence.
    pub fn due(&self, policy: &RefreshPolicy, interval_ms: u64) -> u64 {
        match self.last_done_mono {
            None => 0,
            Some(done) if self.failures > 0 => done + policy.backoff_ms(interval_ms, self.failures),
            Some(done) => done + interval_ms,
        }
    }

    pub fn start(&mut self, id: RequestId) {
        self.in_flight = Some(id);
        self.again = false;
    }

    /// Takes the answer of `id`; false (and nothing changes) when it is stale.
    pub fn accept(&mut self, id: RequestId) -> bool {
        if self.in_flight != Some(id) {
            return false;
        }
        self.in_flight = None;
        true
    }

    pub fn succeeded(&mut self, mono: u64, wall: i64) {
        self.last_done_mono = Some(mono);
        self.last_ok_wall = Some(wall);
        self.failures = 0;
        self.last_error = None;
    }

    pub fn failed(&mut self, mono: u64, error: String) {
        self.last_done_mono = Some(mono);
        self.failures = self.failures.saturating_add(1);
        self.last_error = Some(error);
    }

    /// Forget everything (a new workspace).
    pub fn reset(&mut self) {
        *self = ScopeState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RefreshPolicy::default();
        assert_eq!(p.backoff_ms(5_000, 1), 10_000);
        assert_eq!(p.backoff_ms(5_000, 2), 20_000);
        assert_eq!(p.backoff_ms(5_000, 9), 120_000);
        assert_eq!(p.backoff_ms(300_000, 3), 300_000);
    }

    #[test]
    fn due_and_stale_answers() {
        let p = RefreshPolicy::default();
        let mut s = ScopeState::default();
        assert_eq!(s.due(&p, 5_000), 0);
        s.start(RequestId(1));
        assert!(!s.accept(RequestId(7)));
        assert!(s.accept(RequestId(1)));
        assert!(!s.accept(RequestId(1)), "an answer is taken once");
        s.succeeded(1_000, 42);
        assert_eq!(s.due(&p, 5_000), 6_000);
        s.failed(2_000, "boom".into());
        assert!(s.stale());
        assert!(s.loaded());
        assert_eq!(s.due(&p, 5_000), 12_000);
    }

    #[test]
    fn config_cadences_have_floors() {
        let p = RefreshPolicy::from_secs(Some(1), Some(0), None);
        assert_eq!(p.visible_ms, 2_000);
        assert_eq!(p.busy_ms, 1_000);
        assert_eq!(p.background_ms, 30_000);
    }
}
