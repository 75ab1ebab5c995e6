//! Normalizers: officials' text into numbers, units, comparators and dates.
//!
//! The same reader serves indicator values ([`parse_value`]), budget amounts
//! ([`parse_amount`]) and the `jixiao value` command. The word lists it knows (comparator
//! words, units and their families, baseline words, separators, qualitative words) are
//! data in [`tables`]; extend them there.
//!
//! Layout: `number` reads digits and Chinese numerals, `units` the unit table and
//! compound units, `date` calendar dates, `value` comparators, ranges, dates and compound
//! cells, `amount` money in 万元; `lexicon` indexes the tables once.

mod amount;
mod date;
pub(crate) mod lexicon;
mod number;
pub mod tables;
mod units;
mod value;

pub use amount::{is_bare_amount, parse_amount};
pub use number::parse_number;
pub(crate) use units::unit_as_written;
pub use units::{unit_in_name, unit_kind};
pub use value::{parse_comparator, parse_value};

/// What the surrounding form tells the value reader.
#[derive(Clone, Copy, Debug, Default)]
pub struct ValueContext<'a> {
    /// The form's year, for deadlines written without one (`12月底前`).
    pub year: Option<i32>,
    /// A unit written in the indicator's name (`结案率（%）`), for bare values.
    pub unit_hint: Option<&'a str>,
}
