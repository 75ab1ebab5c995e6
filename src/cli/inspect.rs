//! `jixiao inspect FILE`: one form as a clerk reads it, in the form's order, each part
//! with where it was found, then every finding and anything not understood.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use jixiao::document::{Form, Scalar, Value, ValueKind};
use jixiao::validate::format_wan;

use super::{Exit, LimitArgs};

/// Arguments of `inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  jixiao inspect fixtures/guangzhou-2024-xlsx/input.xlsx")]
pub struct Args {
    /// The form file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Show long texts (goals, task contents) in full instead of their first 60 characters.
    #[arg(long)]
    pub full: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Runs `inspect`.
pub fn run(args: Args) -> Result<Exit> {
    let report = jixiao::extract_path(&args.file, &args.limits.options());
    let forms = match report.result {
        Ok(forms) => forms,
        Err(e) => {
            eprintln!("jixiao: {e}");
            return Ok(Exit::Unreadable);
        }
    };
    let mut text = String::new();
    for form in &forms {
        render(&mut text, form, args.full);
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Exit::Ok)
}

fn clip(text: &str, full: bool) -> String {
    let one_line = text.replace('\n', " ⏎ ");
    if full || one_line.chars().count() <= 60 {
        return one_line;
    }
    let head: String = one_line.chars().take(60).collect();
    format!("{head}…")
}

fn amount(a: &jixiao::Amount) -> String {
    match a.value {
        Some(v) => format!("{}万元", format_wan(v)),
        None if a.raw.is_empty() => "(empty)".into(),
        None => format!("{:?} (not read)", a.raw),
    }
}

fn scalar(s: &Scalar) -> String {
    match s {
        Scalar::Number(n) => n.to_string(),
        Scalar::Text(t) => t.clone(),
    }
}

/// `≥3000件 → >= 3000 件` and the like.
fn describe(v: &Value) -> String {
    let unit = v.unit.as_deref().unwrap_or("");
    let reading = match v.kind {
        ValueKind::Text => "text".to_string(),
        ValueKind::Quantity | ValueKind::Date => format!(
            "{} {}{}{}",
            v.op.map(|o| o.as_str()).unwrap_or(""),
            v.value.as_ref().map(scalar).unwrap_or_default(),
            if unit.is_empty() { "" } else { " " },
            unit
        ),
        ValueKind::Range => format!(
            "{} – {} {unit}",
            v.low.as_ref().map(scalar).unwrap_or_default(),
            v.high.as_ref().map(scalar).unwrap_or_default()
        ),
        ValueKind::Compound => v.parts.iter().map(describe).collect::<Vec<_>>().join(" ; "),
    };
    format!("{} → {}", clip(&v.raw, false), reading.trim())
}

fn render(out: &mut String, form: &Form, full: bool) {
    let opt = |s: Option<&str>| s.unwrap_or("—").to_string();
    let src = &form.source;
    let _ = writeln!(out, "{}", opt(form.title.as_deref()));
    let _ = writeln!(
        out,
        "  file {} ({}{}, {} bytes), form_id {}",
        src.path,
        src.format,
        src.encoding
            .as_ref()
            .map(|e| format!(", {e}"))
            .unwrap_or_default(),
        src.bytes,
        form.form_id
    );
    let _ = writeln!(
        out,
        "  kind {}, department {}, year {}",
        form.form_kind.as_str(),
        opt(form.department.as_deref()),
        form.year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "—".into())
    );

    if let Some(project) = &form.project {
        let _ = writeln!(out, "\n项目");
        for (label, value) in [
            ("项目名称", &project.name),
            ("主管部门", &project.competent_department),
            ("实施单位", &project.implementing_unit),
            ("项目实施期", &project.period),
        ] {
            let _ = writeln!(out, "  {label}: {}", opt(value.as_deref()));
        }
    }
    for (label, value) in &form.details {
        // A detail continued over several rows keeps its lines, indented under it.
        let text = value.as_str().unwrap_or_default().replace('\n', "\n    ");
        let _ = writeln!(out, "  {label}: {text}");
    }
    let _ = writeln!(out, "\n预算整体情况 ({} lines)", form.budget.len());
    for line in &form.budget {
        let _ = writeln!(
            out,
            "  {} / {} [{}]  {}   at {}",
            line.group.as_deref().unwrap_or("—"),
            line.label,
            line.key.as_deref().unwrap_or("no key"),
            amount(&line.amount),
            line.at
        );
        if let Some(note) = &line.note {
            let _ = writeln!(out, "     note: {}", clip(note, full));
        }
    }
    for (label, goal) in [
        ("总体绩效目标", &form.overall_goal),
        ("实施期目标", &form.period_goal),
        ("年度目标", &form.annual_goal),
    ] {
        if let Some(goal) = goal {
            let _ = writeln!(out, "\n{label}\n  {}", clip(goal, full));
        }
    }
    let is_project = form.form_kind == jixiao::FormKind::Project;
    if !is_project || !form.tasks.is_empty() {
        let _ = writeln!(out, "\n年度重点工作任务 ({} tasks)", form.tasks.len());
    }
    for task in &form.tasks {
        let _ = writeln!(
            out,
            "  {}. {}  {}   at {}",
            task.seq,
            opt(task.name.as_deref()),
            task.funds
                .as_ref()
                .map(amount)
                .unwrap_or_else(|| "(no funds)".into()),
            task.at
        );
        if let Some(content) = &task.content {
            let _ = writeln!(out, "     内容: {}", clip(content, full));
        }
        if let Some(goal) = &task.goal {
            let _ = writeln!(out, "     目标: {}", clip(goal, full));
        }
    }
    if !is_project || form.other_tasks.is_some() {
        let _ = writeln!(
            out,
            "\n其他需完成的任务\n  {}",
            opt(form.other_tasks.as_deref())
        );
    }
    let _ = writeln!(out, "\n绩效指标 ({} indicators)", form.indicators.len());
    for i in &form.indicators {
        let _ = writeln!(
            out,
            "  {} / {} / {} [{}]   at {}",
            opt(i.level1.as_deref()),
            opt(i.level2.as_deref()),
            i.level3,
            i.category.as_deref().unwrap_or("no category"),
            i.at
        );
        if let Some(v) = &i.period {
            let _ = writeln!(out, "     实施周期: {}", describe(v));
        }
        if let Some(v) = &i.annual {
            let _ = writeln!(out, "     年度:     {}", describe(v));
        }
        if let Some(w) = i.weight {
            let _ = writeln!(out, "     权重: {w}");
        }
        for (k, v) in &i.extra {
            let _ = writeln!(out, "     {k}: {}", v.as_str().unwrap_or_default());
        }
    }
    let _ = writeln!(out, "\nFindings ({})", form.findings.len());
    for f in &form.findings {
        let _ = writeln!(
            out,
            "  {:<7} {}  {}{}",
            f.severity.as_str(),
            f.code,
            f.message,
            f.at.as_ref()
                .map(|a| format!("   at {a}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(out, "\nNot understood ({})", form.unmapped.len());
    for u in &form.unmapped {
        let _ = writeln!(out, "  {}   at {}", clip(&u.text, full), u.at);
    }
    out.push('\n');
}
