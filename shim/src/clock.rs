//! The host clock behind INT 1Ah's RTC functions and the initial tick count.

use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date and time of day (UTC, as QEMU's RTC defaults to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Full year, e.g. 2026.
    pub year: u32,
    /// Month, 1-12.
    pub month: u32,
    /// Day of the month, 1-31.
    pub day: u32,
    /// Hour, 0-23.
    pub hour: u32,
    /// Minute, 0-59.
    pub minute: u32,
    /// Second, 0-59.
    pub second: u32,
}

/// Where the time comes from (the host, or a fixed time in tests).
pub trait Clock {
    /// The current date and time.
    fn now(&self) -> DateTime;
}

/// The host's clock, in UTC.
pub struct HostClock;

impl Clock for HostClock {
    fn now(&self) -> DateTime {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        DateTime::from_unix(secs)
    }
}

/// A clock stopped at one time.
pub struct FixedClock(pub DateTime);

impl Clock for FixedClock {
    fn now(&self) -> DateTime {
        self.0
    }
}

impl DateTime {
    /// Seconds since 1970-01-01 UTC (days from the civil date after Howard
    /// Hinnant's public-domain algorithm); dates before 1970 give 0.
    pub fn to_unix(&self) -> u64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs = days * 86400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        secs.max(0) as u64
    }

    /// Converts seconds since 1970-01-01 UTC (days to civil date after
    /// Howard Hinnant's public-domain algorithm).
    pub fn from_unix(secs: u64) -> DateTime {
        let days = (secs / 86400) as i64;
        let rem = secs % 86400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
        DateTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// Timer ticks since midnight (18.2 Hz: 1193182 / 65536 per second).
    pub fn ticks_since_midnight(&self) -> u32 {
        let secs = u64::from(self.hour * 3600 + self.minute * 60 + self.second);
        ((secs * 1_193_182) / 65_536) as u32 % abi::bda::TICKS_PER_DAY
    }
}

/// Binary-coded decimal of a value below 100.
pub fn bcd(v: u32) -> u8 {
    let v = v % 100;
    (((v / 10) << 4) | (v % 10)) as u8
}

/// A packed BCD byte's value, if both digits are 0-9.
pub fn from_bcd(b: u8) -> Option<u32> {
    let (hi, lo) = (b >> 4, b & 0x0F);
    (hi <= 9 && lo <= 9).then_some(u32::from(hi) * 10 + u32::from(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trip_and_bcd() {
        for secs in [0u64, 951_782_400, 1_795_263_296, 4_102_444_799] {
            assert_eq!(DateTime::from_unix(secs).to_unix(), secs);
        }
        assert_eq!(from_bcd(0x59), Some(59));
        assert_eq!(from_bcd(0x5A), None);
    }

    #[test]
    fn civil_dates() {
        let d = DateTime::from_unix(0);
        assert_eq!((d.year, d.month, d.day, d.hour), (1970, 1, 1, 0));
        // 2026-11-21 12:34:56 UTC
        let d = DateTime::from_unix(1_795_264_496);
        assert_eq!((d.year, d.month, d.day), (2026, 11, 21));
        assert_eq!((d.hour, d.minute, d.second), (12, 34, 56));
        // 2000-02-29
        let d = DateTime::from_unix(951_782_400);
        assert_eq!((d.year, d.month, d.day), (2000, 2, 29));
        assert_eq!(bcd(59), 0x59);
        assert_eq!(bcd(2026), 0x26);
        let noon = DateTime {
            hour: 12,
            minute: 0,
            second: 0,
            ..d
        };
        assert_eq!(noon.ticks_since_midnight(), 0xC0059);
    }
}
