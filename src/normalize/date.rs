//! Calendar dates for deadlines (`2024年12月31日前`, `12月底前`, `2023.07-2024.01`).

use std::fmt::Write;

/// A date to the precision it was written: year, year-month, or full date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    /// The year.
    pub y: i32,
    /// The month, 0 when not written.
    pub m: u8,
    /// The day, 0 when not written.
    pub d: u8,
}

/// Days in month `m` of year `y` (0 for a month that does not exist).
pub(crate) fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The last day of the period written (年底 → 12-31, 6月底 → 06-30).
    pub fn end_of_period(self) -> Date {
        match (self.m, self.d) {
            (0, _) => Date {
                y: self.y,
                m: 12,
                d: 31,
            },
            (m, 0) => Date {
                y: self.y,
                m,
                d: days_in_month(self.y, m),
            },
            _ => self,
        }
    }

    /// Does it exist on the calendar?
    pub fn is_valid(self) -> bool {
        (1000..=9999).contains(&self.y)
            && self.m <= 12
            && (self.d == 0 || (self.m != 0 && self.d <= days_in_month(self.y, self.m)))
    }

    /// ISO 8601 text: `2024`, `2024-06`, `2024-12-31`.
    pub fn iso(self) -> String {
        let mut s = String::with_capacity(10);
        let _ = write!(s, "{:04}", self.y);
        if self.m != 0 {
            let _ = write!(s, "-{:02}", self.m);
            if self.d != 0 {
                let _ = write!(s, "-{:02}", self.d);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_ends() {
        assert_eq!(
            Date {
                y: 2024,
                m: 0,
                d: 0
            }
            .iso(),
            "2024"
        );
        assert_eq!(
            Date {
                y: 2024,
                m: 6,
                d: 0
            }
            .iso(),
            "2024-06"
        );
        assert_eq!(
            Date {
                y: 2024,
                m: 12,
                d: 31
            }
            .iso(),
            "2024-12-31"
        );
        assert_eq!(
            Date {
                y: 2024,
                m: 2,
                d: 0
            }
            .end_of_period()
            .iso(),
            "2024-02-29"
        );
        assert_eq!(
            Date {
                y: 2023,
                m: 2,
                d: 0
            }
            .end_of_period()
            .iso(),
            "2023-02-28"
        );
        assert_eq!(
            Date {
                y: 2024,
                m: 0,
                d: 0
            }
            .end_of_period()
            .iso(),
            "2024-12-31"
        );
        assert!(!Date {
            y: 2024,
            m: 2,
            d: 30
        }
        .is_valid());
        assert!(Date {
            y: 2024,
            m: 2,
            d: 29
        }
        .is_valid());
    }
}
