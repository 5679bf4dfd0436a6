//! Time, injected so tests can move it by hand.

use crate::store::Millis;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as Millis)
            .unwrap_or_default()
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self(AtomicI64::new(start))
    }

    pub fn advance(&self, millis: Millis) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// A moment in local time, as the outbox needs it: the day (for quotas and statistics) and the
/// minute of that day (for quiet hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMoment {
    /// `YYYY-MM-DD`, the same day SQLite's `date(…, 'localtime')` gives.
    pub day: String,
    pub minute_of_day: u16,
}

impl LocalMoment {
    /// How a sentence names it: `2026-12-04 at 14:05`.
    pub fn spoken(&self) -> String {
        format!(
            "{} at {:02}:{:02}",
            self.day,
            self.minute_of_day / 60,
            self.minute_of_day % 60
        )
    }
}

pub fn local(at: Millis) -> LocalMoment {
    use chrono::{TimeZone, Timelike};
    match chrono::Local.timestamp_millis_opt(at).earliest() {
        Some(time) => LocalMoment {
            day: time.format("%Y-%m-%d").to_string(),
            minute_of_day: u16::try_from(time.hour() * 60 + time.minute()).unwrap_or(0),
        },
        None => LocalMoment {
            day: "1970-01-01".into(),
            minute_of_day: 0,
        },
    }
}

/// The local day `days` before the day of `at` (negative: after).
pub fn local_day_offset(at: Millis, days: i64) -> String {
    local(at - days * 86_400_000).day
}

/// The last local midnight at or before `at`.
pub fn local_midnight(at: Millis) -> Millis {
    let moment = local(at);
    let since_midnight = Millis::from(moment.minute_of_day) * 60_000 + at.rem_euclid(60_000);
    at - since_midnight
}
