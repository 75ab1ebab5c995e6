//! Normalizers: officials' text into numbers, units, comparators and dates.
//!
//! The same reader serves indicator values ([`parse_value`]), budget amounts
//! ([`parse_amount`]) and the `jixiao value` command.

use crate::document::{Amount, Value};

/// What the surrounding form tells the value reader.
#[derive(Clone, Copy, Debug, Default)]
pub struct ValueContext<'a> {
    /// The form's year, for deadlines written without one (`12月底前`).
    pub year: Option<i32>,
    /// A unit written in the indicator's name (`结案率（%）`), for bare values.
    pub unit_hint: Option<&'a str>,
}

/// Reads one indicator value the way officials write it (being written).
pub fn parse_value(raw: &str, _ctx: &ValueContext) -> Value {
    Value::text(raw)
}

/// Reads a money amount into 万元 (being written).
///
/// `number` is the cell's numeric value when the source typed it; `unit` the unit from
/// the cell's column or row header (`预算金额(万元)`), `None` meaning 万元.
pub fn parse_amount(raw: &str, number: Option<f64>, _unit: Option<&str>) -> Amount {
    Amount { raw: raw.to_string(), value: number.or_else(|| raw.replace(',', "").trim().parse().ok()), unit: "万元".into(), unit_as_written: None }
}
