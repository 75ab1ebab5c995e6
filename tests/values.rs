//! The value reader on a table of real-looking values, and property tests.
//!
//! `tests/data/values/cases.tsv` holds one named case a line: name, the form's year (or
//! `-`), the unit written in the indicator's name (or `-`), the raw cell as a JSON string,
//! and the expected Value as JSON. To keep the table readable the expected JSON omits
//! `raw` (it is the raw column) and null fields; the test puts them back and compares the
//! whole Value as `serde_json::Value`. Parts keep their own `raw`.

use std::collections::HashSet;
use std::path::Path;

use jixiao::normalize::{parse_amount, parse_number, parse_value, unit_in_name, ValueContext};
use jixiao::Value;
use proptest::prelude::*;
use serde_json::Value as J;

const FIELDS: [&str; 6] = ["op", "value", "low", "high", "unit", "unit_kind"];

/// The expected JSON with `raw` (when given) and the omitted null fields put back.
fn complete(mut e: J, raw: Option<&str>) -> J {
    let o = e.as_object_mut().expect("expected Value is a JSON object");
    if let Some(raw) = raw {
        o.insert("raw".into(), J::String(raw.into()));
    }
    for f in FIELDS {
        o.entry(f).or_insert(J::Null);
    }
    if let Some(J::Array(parts)) = o.get_mut("parts") {
        for p in parts.iter_mut() {
            *p = complete(p.take(), None);
        }
    }
    e
}

struct Case {
    name: String,
    year: Option<i32>,
    hint: Option<String>,
    raw: String,
    want: J,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/values/cases.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            f.len(),
            5,
            "cases.tsv line {}: want 5 tab-separated fields",
            k + 1
        );
        let raw: String =
            serde_json::from_str(f[3]).unwrap_or_else(|e| panic!("line {}: raw: {e}", k + 1));
        let want: J =
            serde_json::from_str(f[4]).unwrap_or_else(|e| panic!("line {}: expected: {e}", k + 1));
        out.push(Case {
            name: f[0].to_string(),
            year: (f[1] != "-").then(|| f[1].parse().expect("year")),
            hint: (f[2] != "-").then(|| f[2].to_string()),
            want: complete(want, Some(&raw)),
            raw,
        });
    }
    out
}

#[test]
fn value_table() {
    let cases = cases();
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    let mut names = HashSet::new();
    let mut failures = Vec::new();
    for c in &cases {
        assert!(
            names.insert(c.name.as_str()),
            "duplicate case name {}",
            c.name
        );
        let ctx = ValueContext {
            year: c.year,
            unit_hint: c.hint.as_deref(),
        };
        let got = serde_json::to_value(parse_value(&c.raw, &ctx)).unwrap();
        if got != c.want {
            failures.push(format!(
                "{}: {:?}\n   want {}\n    got {}",
                c.name, c.raw, c.want, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} value cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn value_table_round_trips_through_serde() {
    for c in cases() {
        let ctx = ValueContext {
            year: c.year,
            unit_hint: c.hint.as_deref(),
        };
        let v = parse_value(&c.raw, &ctx);
        let back: Value = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&v).unwrap(),
            "{}",
            c.name
        );
    }
}

/// The contract's shape rules, whatever the input.
fn check_shape(v: &Value, raw: &str) {
    use jixiao::document::ValueKind::*;
    assert_eq!(v.raw, raw);
    match v.kind {
        Text => {
            assert!(v.op.is_none() && v.value.is_none() && v.low.is_none() && v.high.is_none());
            assert!(v.unit.is_none() && v.unit_kind.is_none() && v.parts.is_empty());
        }
        Range => {
            assert!(v.op.is_none() && v.value.is_none() && v.parts.is_empty());
            assert!(v.low.is_some() && v.high.is_some());
        }
        Compound => {
            assert!(v.op.is_none() && v.value.is_none() && v.unit.is_none());
            assert!(v.parts.len() >= 2, "{raw:?}");
            for p in &v.parts {
                assert!(p.parts.is_empty());
                assert!(raw.contains(p.raw.as_str()), "part {:?} of {raw:?}", p.raw);
            }
        }
        Quantity => {
            assert!(v.op.is_some() && v.value.is_some() && v.parts.is_empty());
            assert_eq!(v.unit.is_some(), v.unit_kind.is_some());
        }
        Date => assert!(v.value.is_some() != (v.low.is_some() && v.high.is_some())),
    }
    // Whatever it is, it serializes (no NaN or infinity in numbers).
    serde_json::to_string(v).expect("serializes");
}

/// Pieces officials write, to push the scanner through its branches more often than
/// uniform Unicode would.
const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "12",
    "31",
    "2024",
    "１",
    "０",
    ".",
    "．",
    ",",
    "，",
    "、",
    "；",
    ";",
    "-",
    "－",
    "—",
    "～",
    "至",
    "到",
    "%",
    "％",
    "‰",
    "万",
    "亿",
    "千",
    "百",
    "十",
    "一",
    "两",
    "零",
    "〇",
    "壹",
    "元",
    "万元",
    "件",
    "次",
    "个",
    "个工作日",
    "人次",
    "年",
    "月",
    "日",
    "底",
    "前",
    "内",
    "以上",
    "以下",
    "及",
    "且",
    "和",
    "≥",
    "≤",
    ">",
    "<",
    "=",
    "＞",
    "不",
    "不低于",
    "低于",
    "未达到",
    "达到",
    "为",
    "较上年",
    "增长",
    "第",
    "《",
    "》",
    "（",
    "）",
    "(",
    ")",
    "/",
    "·",
    "×",
    "百分之",
    "千分之",
    "点",
    "多",
    "余",
    " ",
    "\u{3000}",
    "\n",
    "全覆盖",
    "满意度",
    "a",
    "é",
    "😀",
    "\u{0}",
];

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..16).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_unicode(s in any::<String>(), year in prop::option::of(1900i32..2100)) {
        let ctx = ValueContext { year, unit_hint: None };
        let v = parse_value(&s, &ctx);
        check_shape(&v, &s);
        prop_assert_eq!(&v, &parse_value(&s, &ctx));
    }

    #[test]
    fn never_panics_on_official_pieces(s in pieces(), year in prop::option::of(1990i32..2040), hint in prop::option::of(prop::sample::select(&["%", "万元", "个", "％", ""][..]))) {
        let ctx = ValueContext { year, unit_hint: hint };
        let v = parse_value(&s, &ctx);
        check_shape(&v, &s);
        prop_assert_eq!(&v, &parse_value(&s, &ctx));
    }

    #[test]
    fn other_readers_never_panic(s in pieces(), t in any::<String>(), n in prop::option::of(any::<f64>())) {
        for x in [&s, &t] {
            let a = parse_amount(x, n, Some("元"));
            prop_assert_eq!(&a.raw, x);
            prop_assert_eq!(a.unit.as_ref(), "万元");
            prop_assert!(a.value.is_none_or(f64::is_finite));
            // A unit is reported only with a value, and never as 万元.
            prop_assert!(a.unit_as_written.is_none() || a.value.is_some());
            prop_assert!(a.unit_as_written.as_deref() != Some("万元"));
            let _ = parse_amount(x, None, None);
            let _ = parse_number(x);
            if let Some(u) = unit_in_name(x) {
                prop_assert!(x.contains(u));
            }
        }
    }

    #[test]
    fn plain_numbers_read_back(n in 0u32..10_000_000, frac in prop::option::of(1u32..100)) {
        let text = match frac { Some(f) => format!("{n}.{f:02}"), None => n.to_string() };
        let want: f64 = text.parse().unwrap();
        prop_assert_eq!(parse_number(&text), Some(want));
        let v = serde_json::to_value(parse_value(&format!("≥{text}%"), &ValueContext::default())).unwrap();
        prop_assert_eq!(v["value"].as_f64(), Some(want));
        prop_assert_eq!(v["op"].as_str(), Some(">="));
    }
}

#[test]
fn amounts_follow_the_contract() {
    let a = parse_amount("153,069.97", None, None);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"raw":"153,069.97","value":153069.97,"unit":"万元"}"#
    );
    let a = parse_amount("12,345", None, Some("元"));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"raw":"12,345","value":1.2345,"unit":"万元","unit_as_written":"元"}"#
    );
    let a = parse_amount("854万(高标准农田建设400万元,其他454万元)", None, Some("元"));
    assert_eq!((a.value, a.unit_as_written), (Some(854.0), None));
    let a = parse_amount("2.5亿元", None, None);
    assert_eq!(
        (a.value, a.unit_as_written.as_deref()),
        (Some(25000.0), Some("亿元"))
    );
    assert_eq!(parse_amount("", None, None).value, None);
}

#[test]
fn unit_in_name_feeds_the_hint() {
    let name = "法律援助案件全年结案率（%）";
    let ctx = ValueContext {
        year: Some(2024),
        unit_hint: unit_in_name(name),
    };
    let v = serde_json::to_value(parse_value("95", &ctx)).unwrap();
    assert_eq!(v["unit"], "%");
    assert_eq!(v["unit_kind"], "percent");
}
