//! Value-reader throughput: values per second through `parse_value` on one core, over a
//! realistic mix of indicator cells (the seed form's values weighted as they occur, plus
//! the forms officials commonly write). Target: at least 1,000,000 values/s.
//!
//! Run: `cargo bench --bench values` (prints one line per mix and the total).
//!
//! Each line gives the wall-clock rate and, on Linux, the rate per CPU-second of the
//! benchmark thread (from `/proc/thread-self/stat`), which stays meaningful when other
//! work shares the machine. `BENCH_MS` sets the time per mix (default 2000).

use std::hint::black_box;
use std::time::{Duration, Instant};

use jixiao::normalize::{parse_amount, parse_value, ValueContext};

/// Indicator cells as they appear in filled forms: mostly short targets, some sentences,
/// some qualitative text, a few compounds and dates.
const MIX: &[&str] = &[
    // The seed form (广州市司法局 2024), both columns.
    "全覆盖",
    "≥3000件",
    "客观题考试机位数量≥每个考场应考人数的105%；主观题考试机位数量按照≥每个考场应考人数的110%",
    "≥93",
    "100%",
    "普法短视频148期，在广州普法抖音、快手、视频号等全媒体平台推送",
    "15次",
    "960本",
    "≥11次",
    "≥21个",
    "≥90%",
    "99%",
    "≥70%",
    "≥60%",
    "低于0.2%",
    "0%",
    "95%",
    "≥90%",
    // Common elsewhere.
    "≥95%",
    "100%",
    "≥98%",
    "90%以上",
    "不低于85%",
    "≤5%",
    "≤30个工作日",
    "2024年12月31日前",
    "12月底前",
    "按时完成",
    "及时",
    "有效提升",
    "逐步提高",
    "较上年增长10%",
    "90%-95%",
    "不少于2次/年",
    "≥1.2万人次",
    "500元/生/年",
    "1500万元",
    "一百四十八期",
    "培训3场、参训200人次",
    "安全事故0起",
    "达到国家二级标准",
    "覆盖全市11个区",
    "2023.07-2024.01",
    "≥85分",
    "群众满意度",
    "",
];

/// CPU seconds this thread has used (user + system), when the OS tells (Linux).
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0) // USER_HZ is 100 on Linux
}

/// Runs `inputs` through the reader for at least `min`; returns values per second of
/// this thread's CPU time (wall-clock when the OS does not tell).
fn run(label: &str, inputs: &[&str], ctx: &ValueContext, min: Duration) -> f64 {
    // Warm up (builds the lexicon, fills caches).
    for v in inputs {
        black_box(parse_value(black_box(v), ctx));
    }
    let mut n: u64 = 0;
    let cpu0 = thread_cpu_secs();
    let start = Instant::now();
    loop {
        for v in inputs {
            black_box(parse_value(black_box(v), ctx));
        }
        n += inputs.len() as u64;
        if n.is_multiple_of(inputs.len() as u64 * 256) && start.elapsed() >= min {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let wall = n as f64 / secs;
    let cpu = match (cpu0, thread_cpu_secs()) {
        (Some(a), Some(b)) if b - a > 0.05 => Some(b - a),
        _ => None,
    };
    let rate = cpu.map_or(wall, |c| n as f64 / c);
    match cpu {
        Some(c) => println!(
            "{label:<18} {n:>9} values: wall {secs:.2} s = {wall:>9.0}/s; thread CPU {c:.2} s = {rate:>9.0}/s ({:.0} ns/value)",
            1e9 / rate
        ),
        None => println!("{label:<18} {n:>9} values in {secs:.2} s = {wall:>9.0}/s ({:.0} ns/value)", 1e9 / wall),
    }
    rate
}

fn main() {
    let min = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|m| m.parse().ok())
            .unwrap_or(2000),
    );
    let ctx = ValueContext {
        year: Some(2024),
        unit_hint: None,
    };
    let rate = run("realistic mix", MIX, &ctx, min);
    let seed: Vec<&str> = MIX[..18].to_vec();
    run("seed form values", &seed, &ctx, min / 2);
    let hint = ValueContext {
        year: Some(2024),
        unit_hint: Some("%"),
    };
    run("with unit hint", MIX, &hint, min / 2);

    let amounts = [
        "153,069.97",
        "27,177.64",
        "0.00",
        "3,086.00",
        "250万",
        "854万(高标准农田建设400万元)",
        "12345.67",
    ];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < min / 2 {
        for a in amounts {
            black_box(parse_amount(black_box(a), None, Some("万元")));
        }
        n += amounts.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<18} {n:>9} values in {secs:.2} s = {:>9.0}/s (wall)",
        "parse_amount",
        n as f64 / secs
    );

    println!(
        "parse_value: {rate:.0} values/s on one core, realistic mix (target 1000000): {}",
        if rate >= 1_000_000.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}
