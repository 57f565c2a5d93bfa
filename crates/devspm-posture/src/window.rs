//! The period a posture covers: whole UTC days, first and last day inclusive, and the calendar
//! months of its trend.

use jiff::civil::Date;
use serde::Serialize;

/// A period of whole days (UTC), `[since, until)` in seconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// Last day (inclusive), `YYYY-MM-DD`.
    pub last_day: String,
    pub days: u32,
    /// Start of the first day (seconds since the epoch).
    pub since: i64,
    /// Start of the day after the last day: the window ends before it.
    pub until: i64,
}

impl Window {
    /// The days from `first` to `last`, both included.
    pub fn new(first: Date, last: Date) -> Result<Window, String> {
        if first > last {
            return Err(format!(
                "the window starts ({first}) after it ends ({last})"
            ));
        }
        let start = |d: Date| -> Result<i64, String> {
            jiff::tz::Offset::UTC
                .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .map(|t| t.as_second())
                .map_err(|e| format!("{d}: {e}"))
        };
        let after = last
            .tomorrow()
            .map_err(|e| format!("{last} has no next day: {e}"))?;
        let since = start(first)?;
        let until = start(after)?;
        Ok(Window {
            first_day: first.to_string(),
            last_day: last.to_string(),
            days: ((until - since) / 86_400) as u32,
            since,
            until,
        })
    }

    /// The `days` days that end on `last`.
    pub fn ending(last: Date, days: u32) -> Result<Window, String> {
        let first = last
            .checked_sub(jiff::Span::new().days(i64::from(days.max(1)) - 1))
            .map_err(|e| format!("{days} days before {last}: {e}"))?;
        Window::new(first, last)
    }

    /// Whether a time (seconds since the epoch) falls in the window.
    pub fn contains(&self, time: i64) -> bool {
        time >= self.since && time < self.until
    }

    /// The calendar months the window touches, oldest first (`YYYY-MM`).
    pub fn months(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut day = self.since;
        while day < self.until {
            let m = month(day);
            if out.last() != Some(&m) {
                out.push(m);
            }
            day += 86_400;
        }
        out
    }
}

/// The calendar month (UTC) of a time, `YYYY-MM`.
pub fn month(time: i64) -> String {
    jiff::Timestamp::from_second(time)
        .map(|t| t.strftime("%Y-%m").to_string())
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The day (UTC) of a time, `YYYY-MM-DD`.
pub fn day(time: i64) -> Option<Date> {
    jiff::Timestamp::from_second(time)
        .ok()
        .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_days_ending_on_a_day() {
        let w = Window::ending("2026-03-31".parse().unwrap(), 90).unwrap();
        assert_eq!(w.first_day, "2026-01-01");
        assert_eq!(w.days, 90);
        assert_eq!(w.months(), ["2026-01", "2026-02", "2026-03"]);
        assert!(w.contains(w.since) && !w.contains(w.until) && w.contains(w.until - 1));
        assert_eq!(day(w.until - 1).unwrap().to_string(), "2026-03-31");
        assert!(Window::new("2026-02-01".parse().unwrap(), "2026-01-01".parse().unwrap()).is_err());
    }
}
