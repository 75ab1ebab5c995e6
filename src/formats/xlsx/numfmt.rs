//! Number formats: the text Excel displays for a number, given the cell's format code.
//!
//! A form is read by people, so a cell's text is what its format shows (`153,069.97`,
//! `20.0%`, `2024-12-31`), not the raw stored double. Excel keeps 15 significant digits,
//! so every value is first rounded to 15 significant decimal digits; fixed decimals then
//! round half away from zero on that decimal form, as Excel does (`2.675` → `2.68`).
//!
//! Supported: General; digit placeholders `0 # ?`, decimal point, thousands separator,
//! scaling commas, `%`, scientific `E+`; literal text (quoted, `\x`, `_x` as a space,
//! `[$¥-804]` currency); up to four `;` sections with a minus sign for one-section
//! formats; dates and times (shown as ISO `2024-12-31` / `2024-12-31 08:30:00` /
//! `08:30:00`), in the 1900 or 1904 date system. Not supported: fractions (`# ?/?`) and
//! Chinese numerals (`[DBNum2]`), which fall back to General digits; colours and
//! conditions are ignored (sections are chosen by sign only).

use std::fmt::Write as _;

/// Formats a number as Excel's General format shows it, for readers whose source keeps
/// no number format (XLS, ODS) and for cells formatted General.
///
/// The value is rounded to Excel's 15 significant digits and written as the shortest
/// decimal that reads back the same: `0.2`, `3086`, `153069.97`, `0.3` for
/// `0.1 + 0.2`. Only magnitudes of 1e21 and above or below 1e-9 use an exponent
/// (`1.5E+21`); non-finite values print as Rust does (`NaN`, `inf`).
pub fn format_general(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    general_text(round15(value))
}

/// [`format_general`] of a finite value already rounded by [`round15`] (which rounding
/// again would not change: it costs as much as the rest of the formatting).
fn general_text(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let abs = value.abs();
    if (1e-9..1e21).contains(&abs) {
        return value.to_string();
    }
    let s = format!("{value:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => match exp.strip_prefix('-') {
            Some(digits) => format!("{mantissa}E-{digits:0>2}"),
            None => format!("{mantissa}E+{exp:0>2}"),
        },
        None => s,
    }
}

/// Rounds to 15 significant decimal digits, the precision Excel computes and shows with,
/// so binary noise (`183333.61000000002`) does not reach the text or the number.
pub fn round15(value: f64) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    let mut buf = String::with_capacity(24);
    let _ = write!(buf, "{value:.14e}");
    buf.parse().unwrap_or(value)
}

/// What a date/time format shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateParts {
    /// A year, month or day appears.
    pub date: bool,
    /// An hour, minute or second appears.
    pub time: bool,
    /// Elapsed time (`[h]:mm:ss`): hours are counted past 24.
    pub elapsed: bool,
}

/// A compiled number format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NumFmt {
    /// Shortest decimal ([`format_general`]).
    General,
    /// One to four `;`-separated sections.
    Sections(Box<[Section]>),
}

/// One `;` section of a format code.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Section {
    prefix: String,
    suffix: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// Nothing numeric: only the literal text is shown (`"-"`, or an empty `;;` section).
    Literal,
    /// `General` (or `@`) inside a section.
    General,
    /// Fixed-point digits.
    Fixed(Fixed),
    /// Scientific notation.
    Scientific {
        decimals: usize,
        exp_digits: usize,
        plus: bool,
    },
    /// A date or time.
    Date(DateParts),
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Fixed {
    int_zeros: usize,
    grouping: bool,
    point: bool,
    dec_min: usize,
    dec_max: usize,
    percent: u32,
    scale: u32,
}

/// Most decimals or padding zeros honoured (Excel allows 30).
const MAX_DIGITS: usize = 30;

impl NumFmt {
    /// The built-in format for a `numFmtId` that styles.xml does not define.
    ///
    /// Ids 5-8 and 41-44 are locale currency/accounting formats; they are given here
    /// without a currency symbol rather than a wrong one. Ids 27-36 and 50-58 are the
    /// East Asian date formats Chinese Excel uses (`yyyy"年"m"月"d"日"`).
    pub fn builtin(id: u32) -> NumFmt {
        let code = match id {
            1 => "0",
            2 => "0.00",
            3 => "#,##0",
            4 => "#,##0.00",
            5 | 37 => "#,##0_);(#,##0)",
            6 | 38 => "#,##0_);[Red](#,##0)",
            7 | 39 => "#,##0.00_);(#,##0.00)",
            8 | 40 => "#,##0.00_);[Red](#,##0.00)",
            9 => "0%",
            10 => "0.00%",
            11 => "0.00E+00",
            14..=17 | 22 | 27..=31 | 36 | 50..=54 | 57 | 58 => {
                let time = id == 22;
                return NumFmt::date(DateParts {
                    date: true,
                    time,
                    elapsed: false,
                });
            }
            18..=21 | 32..=35 | 45 | 47 | 55 | 56 => {
                return NumFmt::date(DateParts {
                    date: false,
                    time: true,
                    elapsed: false,
                });
            }
            46 => {
                return NumFmt::date(DateParts {
                    date: false,
                    time: true,
                    elapsed: true,
                })
            }
            41 | 42 => r#"_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)"#,
            43 | 44 => r#"_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)"#,
            48 => "##0.0E+0",
            _ => return NumFmt::General,
        };
        NumFmt::parse(code)
    }

    fn date(parts: DateParts) -> NumFmt {
        NumFmt::Sections(Box::new([Section {
            prefix: String::new(),
            suffix: String::new(),
            kind: Kind::Date(parts),
        }]))
    }

    /// Compiles a format code (`#,##0.00`, `yyyy-mm-dd`, `0.0%;[Red]-0.0%`).
    pub fn parse(code: &str) -> NumFmt {
        if code.trim().eq_ignore_ascii_case("general") || code.is_empty() {
            return NumFmt::General;
        }
        let sections: Vec<Section> = split_sections(code)
            .into_iter()
            .take(4)
            .map(parse_section)
            .collect();
        NumFmt::Sections(sections.into_boxed_slice())
    }

    /// The displayed text and, unless shown as a date, the value (rounded to 15 digits).
    pub fn format(&self, value: f64, date1904: bool) -> (String, Option<f64>) {
        if !value.is_finite() {
            return (value.to_string(), None);
        }
        let sections = match self {
            NumFmt::General => {
                let value = round15(value);
                return (general_text(value), Some(value));
            }
            NumFmt::Sections(sections) => sections,
        };
        let value = round15(value);
        // Only the first three sections are for numbers; the fourth is for text.
        let numeric = &sections[..sections.len().min(3)];
        let (section, abs, signed) = match numeric {
            [] => return (general_text(value), Some(value)),
            [only] => (only, value.abs(), value < 0.0),
            [pos, neg] => {
                if value < 0.0 {
                    (neg, -value, false)
                } else {
                    (pos, value, false)
                }
            }
            [pos, neg, zero, ..] => {
                if value > 0.0 {
                    (pos, value, false)
                } else if value < 0.0 {
                    (neg, -value, false)
                } else {
                    (zero, 0.0, false)
                }
            }
        };
        if let Kind::Date(parts) = section.kind {
            return match serial_to_iso(value, date1904, parts) {
                Some(text) => (text, None),
                None => (general_text(value), Some(value)),
            };
        }
        let body = match &section.kind {
            Kind::Literal => String::new(),
            Kind::General => general_text(abs),
            Kind::Fixed(fixed) => render_fixed(abs, fixed),
            Kind::Scientific {
                decimals,
                exp_digits,
                plus,
            } => render_scientific(abs, *decimals, *exp_digits, *plus),
            Kind::Date(_) => unreachable!("dates are handled above"),
        };
        let minus = signed && body.bytes().any(|b| (b'1'..=b'9').contains(&b));
        let mut out =
            String::with_capacity(section.prefix.len() + body.len() + section.suffix.len() + 1);
        if minus {
            out.push('-');
        }
        out.push_str(&section.prefix);
        out.push_str(&body);
        out.push_str(&section.suffix);
        (out, Some(value))
    }
}

/// Splits a code on `;` outside quotes, brackets and escapes.
fn split_sections(code: &str) -> Vec<&str> {
    let mut sections = Vec::new();
    let (mut start, mut quoted, mut bracket, mut escaped) = (0, false, false, false);
    for (i, c) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !quoted => escaped = true,
            '"' if !bracket => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                sections.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    sections.push(&code[start..]);
    sections
}

/// Compiles one section: literals before the first placeholder form the prefix, after
/// the last one the suffix (literals between placeholders, as in `000-0000`, are dropped).
fn parse_section(code: &str) -> Section {
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut fixed = Fixed::default();
    let mut seen_number = false;
    let mut in_fraction = false;
    let mut general = false;
    let mut scientific: Option<(usize, bool)> = None;
    let mut date = DateParts {
        date: false,
        time: false,
        elapsed: false,
    };
    let mut month_or_minute = false;
    let mut fraction_slash = false;

    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    let literal = |s: &mut String, p: &mut String, seen: bool, text: &str| {
        if seen {
            s.push_str(text);
        } else {
            p.push_str(text);
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map_or(chars.len(), |p| i + 1 + p);
                let text: String = chars[i + 1..end].iter().collect();
                literal(&mut suffix, &mut prefix, seen_number, &text);
                i = end + 1;
                continue;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    literal(
                        &mut suffix,
                        &mut prefix,
                        seen_number,
                        next.encode_utf8(&mut [0; 4]),
                    );
                }
                i += 2;
                continue;
            }
            '_' => {
                // `_x` reserves the width of x: a space.
                literal(&mut suffix, &mut prefix, seen_number, " ");
                i += 2;
                continue;
            }
            '*' => {
                // `*x` repeats x to fill the column: nothing in text.
                i += 2;
                continue;
            }
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map_or(chars.len(), |p| i + 1 + p);
                let inner: String = chars[i + 1..end].iter().collect();
                let lower = inner.to_ascii_lowercase();
                if let Some(currency) = inner.strip_prefix('$') {
                    let symbol = currency.split('-').next().unwrap_or("");
                    literal(&mut suffix, &mut prefix, seen_number, symbol);
                } else if !lower.is_empty() && lower.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    date.time = true;
                    date.elapsed = true;
                }
                i = end + 1;
                continue;
            }
            _ => {}
        }
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let lower_rest = rest.to_ascii_lowercase();
        if lower_rest.starts_with("general") {
            general = true;
            seen_number = true;
            suffix.clear();
            i += 7;
            continue;
        }
        if lower_rest.starts_with("am/pm") {
            date.time = true;
            i += 5;
            continue;
        }
        if lower_rest.starts_with("a/p") {
            date.time = true;
            i += 3;
            continue;
        }
        let lower = c.to_ascii_lowercase();
        // Scientific: `E+` / `E-` right after digits.
        if lower == 'e'
            && seen_number
            && scientific.is_none()
            && matches!(chars.get(i + 1), Some('+' | '-'))
        {
            scientific = Some((0, chars[i + 1] == '+'));
            i += 2;
            continue;
        }
        match lower {
            'y' | 'd' => date.date = true,
            'h' | 's' => date.time = true,
            'm' => month_or_minute = true,
            '0' | '#' | '?' => {
                if !seen_number || fraction_slash {
                    seen_number = true;
                } else if !suffix.is_empty() {
                    // Literals between placeholders (`000-0000`) are dropped.
                    suffix.clear();
                }
                if let Some((ref mut digits, _)) = scientific {
                    if c == '0' {
                        *digits += 1;
                    }
                } else if in_fraction {
                    fixed.dec_max += 1;
                    if c == '0' {
                        fixed.dec_min = fixed.dec_max;
                    }
                } else if c == '0' {
                    fixed.int_zeros += 1;
                }
            }
            '.' if scientific.is_none()
                && !in_fraction
                && (seen_number || next_is_placeholder(&chars, i)) =>
            {
                seen_number = true;
                in_fraction = true;
                fixed.point = true;
            }
            ',' if seen_number && scientific.is_none() => {
                if next_is_placeholder(&chars, i) && !in_fraction {
                    fixed.grouping = true;
                } else {
                    fixed.scale += 1;
                }
            }
            '%' => {
                fixed.percent += 1;
                literal(&mut suffix, &mut prefix, seen_number, "%");
            }
            '/' if seen_number => fraction_slash = true,
            '@' => {
                general = true;
                seen_number = true;
            }
            _ => literal(
                &mut suffix,
                &mut prefix,
                seen_number,
                c.encode_utf8(&mut [0; 4]),
            ),
        }
        i += 1;
    }

    // `m` is a minute next to hours or seconds (`h:mm`, `mm:ss`), a month otherwise.
    if month_or_minute && !date.time {
        date.date = true;
    }
    let kind = if date.date || date.time {
        Kind::Date(date)
    } else if general || fraction_slash {
        Kind::General
    } else if let Some((exp_digits, plus)) = scientific {
        Kind::Scientific {
            decimals: fixed.dec_max.min(MAX_DIGITS),
            exp_digits: exp_digits.min(MAX_DIGITS),
            plus,
        }
    } else if seen_number {
        fixed.int_zeros = fixed.int_zeros.min(MAX_DIGITS);
        fixed.dec_max = fixed.dec_max.min(MAX_DIGITS);
        fixed.dec_min = fixed.dec_min.min(fixed.dec_max);
        Kind::Fixed(fixed)
    } else {
        Kind::Literal
    };
    if matches!(kind, Kind::Date(_)) {
        prefix.clear();
        suffix.clear();
    }
    Section {
        prefix,
        suffix,
        kind,
    }
}

fn next_is_placeholder(chars: &[char], i: usize) -> bool {
    matches!(chars.get(i + 1), Some('0' | '#' | '?'))
}

/// `abs` in fixed-point per the section: grouping, decimals, percent and scaling.
fn render_fixed(abs: f64, fixed: &Fixed) -> String {
    let mut value = abs;
    for _ in 0..fixed.percent.min(4) {
        value *= 100.0;
    }
    for _ in 0..fixed.scale.min(8) {
        value /= 1000.0;
    }
    let digits = fixed_digits(value, fixed.dec_max);
    let (int_digits, mut frac) = digits.split_at(digits.len() - fixed.dec_max);
    let first = int_digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(int_digits.len());
    let int_digits = &int_digits[first..];
    let pad = fixed.int_zeros.saturating_sub(int_digits.len());
    let int_len = pad + int_digits.len();
    let mut out = String::with_capacity(int_len + int_len / 3 + 1 + frac.len());
    let int = std::iter::repeat_n(b'0', pad).chain(int_digits.iter().copied());
    for (i, d) in int.enumerate() {
        if fixed.grouping && i > 0 && (int_len - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(d));
    }
    while frac.len() > fixed.dec_min && frac.last() == Some(&b'0') {
        frac = &frac[..frac.len() - 1];
    }
    if fixed.point {
        out.push('.');
        out.extend(frac.iter().map(|&d| char::from(d)));
    }
    out
}

/// The ASCII decimal digits of `abs ≥ 0` times 10^`decimals`, rounded half away from
/// zero, working on its 15-significant-digit form: at least `decimals` of them, the
/// last `decimals` being the fraction.
fn fixed_digits(abs: f64, decimals: usize) -> Vec<u8> {
    if abs == 0.0 || !abs.is_finite() {
        return vec![b'0'; decimals];
    }
    let mut sci = String::with_capacity(24);
    let _ = write!(sci, "{abs:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits = mantissa.bytes().filter(u8::is_ascii_digit);
    // How many digits the value times 10^decimals has before its point.
    let keep = exp + 1 + decimals as i64;
    let mut scaled: Vec<u8> = Vec::with_capacity(keep.clamp(0, 400) as usize + decimals + 1);
    if keep == 0 {
        if digits.next().is_some_and(|d| d >= b'5') {
            scaled.push(b'1');
        }
    } else if keep > 0 {
        let k = keep as usize;
        scaled.extend(digits.by_ref().take(k));
        scaled.resize(k, b'0');
        if digits.next().is_some_and(|d| d >= b'5') {
            match scaled.iter().rposition(|&d| d != b'9') {
                Some(last) => {
                    scaled[last] += 1;
                    scaled[last + 1..].fill(b'0');
                }
                None => {
                    scaled.fill(b'0');
                    scaled.insert(0, b'1');
                }
            }
        }
    }
    if scaled.len() < decimals {
        scaled.splice(0..0, std::iter::repeat_n(b'0', decimals - scaled.len()));
    }
    scaled
}

fn render_scientific(abs: f64, decimals: usize, exp_digits: usize, plus: bool) -> String {
    let s = format!("{abs:.decimals$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    format!(
        "{mantissa}E{sign}{:0>width$}",
        exp.abs(),
        width = exp_digits.max(1)
    )
}

/// An Excel serial date as ISO text: `2024-12-31`, `2024-12-31 08:30:00` or `08:30:00`.
///
/// `None` when Excel would not show a date: negative serials, serials past 9999-12-31,
/// and the 1900 system's day 0 ("1900-01-00") in a format with a date part.
pub(crate) fn serial_to_iso(serial: f64, date1904: bool, parts: DateParts) -> Option<String> {
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let total_seconds = (serial * 86_400.0).round() as i64;
    let days = total_seconds / 86_400;
    let seconds = total_seconds % 86_400;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if !parts.date {
        let hours = if parts.elapsed {
            total_seconds / 3600
        } else {
            h
        };
        return Some(format!("{hours:02}:{m:02}:{s:02}"));
    }
    let (y, mo, d) = if date1904 {
        civil_from_days(days - 24_107)
    } else if days == 0 {
        return None;
    } else if days == 60 {
        (1900, 2, 29)
    } else if days < 60 {
        civil_from_days(days - 25_568)
    } else {
        civil_from_days(days - 25_569)
    };
    let mut out = format!("{y:04}-{mo:02}-{d:02}");
    if parts.time {
        let _ = write!(out, " {h:02}:{m:02}:{s:02}");
    }
    Some(out)
}

/// (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(code: &str, value: f64) -> String {
        NumFmt::parse(code).format(value, false).0
    }

    #[test]
    fn general_is_shortest_decimal_at_15_digits() {
        assert_eq!(format_general(0.2), "0.2");
        assert_eq!(format_general(3086.0), "3086");
        assert_eq!(format_general(153069.97), "153069.97");
        assert_eq!(format_general(0.1 + 0.2), "0.3");
        assert_eq!(format_general(183333.61000000002), "183333.61");
        assert_eq!(format_general(-0.0), "0");
        assert_eq!(format_general(-27177.64), "-27177.64");
        assert_eq!(format_general(123456789012.0), "123456789012");
        assert_eq!(format_general(1.5e21), "1.5E+21");
        assert_eq!(format_general(2.5e-10), "2.5E-10");
        assert_eq!(format_general(0.000001), "0.000001");
    }

    #[test]
    fn fixed_formats_round_and_group() {
        assert_eq!(fmt("#,##0.00", 153069.97), "153,069.97");
        assert_eq!(fmt("#,##0.00", 0.0), "0.00");
        assert_eq!(fmt("#,##0.00", 3086.0), "3,086.00");
        assert_eq!(fmt("#,##0.00", -1234.5), "-1,234.50");
        assert_eq!(fmt("0.00", 2.675), "2.68");
        assert_eq!(fmt("0.00", 0.005), "0.01");
        assert_eq!(fmt("0.00", -0.001), "0.00");
        assert_eq!(fmt("0", 2.5), "3");
        assert_eq!(fmt("0", 0.4), "0");
        assert_eq!(fmt("#,##0", 1234567.0), "1,234,567");
        assert_eq!(fmt("#,##0", 999.6), "1,000");
        assert_eq!(fmt("#.##", 0.5), ".5");
        assert_eq!(fmt("0.0#", 1.0), "1.0");
        assert_eq!(fmt("0.0#", 1.256), "1.26");
        assert_eq!(fmt("000", 7.0), "007");
        assert_eq!(fmt("#,##0.00,", 1234567.0), "1,234.57");
    }

    #[test]
    fn percent_literals_and_sections() {
        assert_eq!(fmt("0.0%", 0.2), "20.0%");
        assert_eq!(fmt("0%", 0.955), "96%");
        assert_eq!(fmt(r#"#,##0.00"元""#, 1500.0), "1,500.00元");
        assert_eq!(fmt(r#"\¥#,##0.00"#, 12.0), "¥12.00");
        assert_eq!(fmt("[$¥-804]#,##0.00", 12.0), "¥12.00");
        assert_eq!(fmt("#,##0.00_);[Red](#,##0.00)", -5.0), "(5.00)");
        assert_eq!(fmt("#,##0.00_);[Red](#,##0.00)", 5.0), "5.00 ");
        assert_eq!(fmt("0.00;-0.00;\"-\"", 0.0), "-");
        assert_eq!(
            fmt(
                r#"_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)"#,
                1234.5
            ),
            " 1,234.50 "
        );
        assert_eq!(
            fmt(r#"_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)"#, 0.0).trim(),
            "-"
        );
        assert_eq!(fmt(";;;", 5.0), "");
        assert_eq!(fmt("General\"人\"", 12.0), "12人");
        assert_eq!(fmt("@", 12.5), "12.5");
        assert_eq!(fmt("0.00E+00", 153069.97), "1.53E+05");
        assert_eq!(fmt("# ?/?", 0.5), "0.5");
    }

    #[test]
    fn dates_are_iso() {
        let date = |code: &str, v: f64| NumFmt::parse(code).format(v, false);
        assert_eq!(
            date("yyyy-mm-dd", 45657.0),
            ("2024-12-31".to_string(), None)
        );
        assert_eq!(date("yyyy\"年\"m\"月\"d\"日\"", 45657.0).0, "2024-12-31");
        assert_eq!(
            date("yyyy/m/d h:mm", 45657.354166666664).0,
            "2024-12-31 08:30:00"
        );
        assert_eq!(date("h:mm", 0.5).0, "12:00:00");
        assert_eq!(date("[h]:mm:ss", 1.5).0, "36:00:00");
        assert_eq!(date("mmm-yy", 45657.0).0, "2024-12-31");
        assert_eq!(date("yyyy-mm-dd", 60.0).0, "1900-02-29");
        assert_eq!(date("yyyy-mm-dd", 1.0).0, "1900-01-01");
        assert_eq!(date("yyyy-mm-dd", 61.0).0, "1900-03-01");
        assert_eq!(date("yyyy-mm-dd", -1.0), ("-1".to_string(), Some(-1.0)));
        assert_eq!(
            NumFmt::parse("yyyy-mm-dd").format(0.0, true).0,
            "1904-01-01"
        );
        assert_eq!(
            NumFmt::parse("yyyy-mm-dd").format(44195.0, true).0,
            "2024-12-31"
        );
        assert_eq!(NumFmt::builtin(14).format(45657.0, false).0, "2024-12-31");
        assert_eq!(
            NumFmt::builtin(22).format(45657.25, false).0,
            "2024-12-31 06:00:00"
        );
        assert_eq!(NumFmt::builtin(31).format(45657.0, false).0, "2024-12-31");
        assert_eq!(NumFmt::builtin(20).format(0.75, false).0, "18:00:00");
        assert_eq!(NumFmt::builtin(14).format(1.0, false).1, None);
    }

    #[test]
    fn builtin_numbers() {
        assert_eq!(NumFmt::builtin(0), NumFmt::General);
        assert_eq!(NumFmt::builtin(4).format(153069.97, false).0, "153,069.97");
        assert_eq!(NumFmt::builtin(10).format(0.5, false).0, "50.00%");
        assert_eq!(NumFmt::builtin(3).format(-3086.0, false).0, "-3,086");
        assert_eq!(NumFmt::builtin(9999), NumFmt::General);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-25_569), (1899, 12, 30));
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
    }
}
