//! The command line as users and their scripts meet it: tables written, exit codes,
//! errors that name the file, the `value`, `check`, `inspect` and `schema` commands.

use serde_json::Value;

use crate::util::{
    col, csv_rows, extract_into, files_by_name, fixture, fixture_bytes, jixiao, run, table_files,
    Dir,
};

#[test]
fn extract_writes_every_table_with_the_contract_columns() {
    let dir = Dir::new("extract-tables");
    let out = dir.join("out");
    run(
        &mut extract_into(fixture("guangzhou-2024-text/input.txt"), &out),
        0,
    );
    for table in table_files() {
        assert!(out.join(&table).is_file(), "{table} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );

    let expect_prefix = |table: &str, columns: &[&str]| {
        let (headers, _) = csv_rows(&dir.read(&format!("out/{table}")));
        assert_eq!(&headers[..columns.len()], columns, "{table} columns");
    };
    expect_prefix(
        "files.csv",
        &["path", "form_id", "format", "status", "error"],
    );
    expect_prefix(
        "forms.csv",
        &[
            "form_id",
            "path",
            "department",
            "year",
            "title",
            "form_kind",
            "project_name",
            "budget_lines",
            "tasks",
            "indicators",
            "findings",
        ],
    );
    expect_prefix(
        "budget.csv",
        &[
            "form_id",
            "department",
            "year",
            "group",
            "key",
            "label",
            "amount_wan",
            "raw",
            "at",
        ],
    );
    expect_prefix(
        "tasks.csv",
        &[
            "form_id",
            "department",
            "year",
            "seq",
            "name",
            "funds_wan",
            "funds_raw",
            "content",
            "goal",
            "at",
        ],
    );
    expect_prefix(
        "indicators.csv",
        &[
            "form_id",
            "department",
            "year",
            "level1",
            "level2",
            "level3",
            "category",
            "period_raw",
            "period_kind",
            "period_op",
            "period_value",
            "period_low",
            "period_high",
            "period_unit",
            "annual_raw",
            "annual_kind",
            "annual_op",
            "annual_value",
            "annual_low",
            "annual_high",
            "annual_unit",
            "weight",
            "extra",
            "at",
        ],
    );
    expect_prefix(
        "findings.csv",
        &["form_id", "department", "severity", "code", "message", "at"],
    );
    expect_prefix(
        "summary.csv",
        &["department", "year", "forms", "basic_expenditure"],
    );

    let (headers, rows) = csv_rows(&dir.read("out/budget.csv"));
    assert_eq!(rows.len(), 8);
    let basic = rows
        .iter()
        .find(|r| r[col(&headers, "key")] == "basic_expenditure")
        .unwrap();
    assert_eq!(basic[col(&headers, "amount_wan")], "153069.97");
    assert_eq!(basic[col(&headers, "raw")], "153,069.97");
    assert_eq!(basic[col(&headers, "at")], "line 7 field 3");

    let (headers, rows) = csv_rows(&dir.read("out/indicators.csv"));
    assert_eq!(rows.len(), 18);
    let row = rows
        .iter()
        .find(|r| r[col(&headers, "level3")] == "行政复议案件数量")
        .unwrap();
    assert_eq!(
        (
            row[col(&headers, "annual_op")].as_str(),
            row[col(&headers, "annual_value")].as_str()
        ),
        (">=", "3000")
    );

    let (headers, rows) = csv_rows(&dir.read("out/summary.csv"));
    assert_eq!(rows.len(), 2, "one department and the TOTAL row");
    assert_eq!(rows[0][col(&headers, "department")], "广州市司法局");
    assert_eq!(rows[0][col(&headers, "tasks_funds_wan")], "14386");
    assert_eq!(rows[1][col(&headers, "department")], "TOTAL");

    let jsonl = dir.read("out/forms.jsonl");
    assert_eq!(jsonl.lines().count(), 1);
    let doc: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(doc["schema"], "jixiao/form@1");
}

#[test]
fn a_bad_file_is_reported_and_the_rest_still_written() {
    let dir = Dir::new("extract-bad");
    dir.write(
        "in/good.txt",
        fixture_bytes("guangzhou-2024-text/input.txt"),
    );
    dir.write("in/broken.xlsx", b"PK\x03\x04 this is not a zip");
    dir.write("in/empty.txt", b"");
    dir.write("in/notes.json", b"{}");
    dir.write("in/.hidden.txt", b"secret");
    dir.write("in/~$good.xlsx", b"lock");
    dir.write(
        "in/copy/good.txt",
        fixture_bytes("guangzhou-2024-text/input.txt"),
    );
    let output = run(&mut extract_into(dir.join("in"), dir.join("out")), 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.xlsx"),
        "stderr names the bad file: {stderr}"
    );

    let (headers, rows) = csv_rows(&dir.read("out/files.csv"));
    let status = |name: &str| {
        let row = rows
            .iter()
            .find(|r| r[0].ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in files.csv: {rows:?}"));
        (
            row[col(&headers, "status")].clone(),
            row[col(&headers, "error")].clone(),
        )
    };
    assert_eq!(rows.len(), 7, "every file is listed: {rows:?}");
    assert_eq!(
        status(".hidden.txt"),
        ("skipped".into(), "hidden file".into())
    );
    assert!(status("~$good.xlsx").1.contains("lock file"));
    assert_eq!(status("broken.xlsx").0, "error");
    assert!(
        status("broken.xlsx").1.contains("zip"),
        "{:?}",
        status("broken.xlsx")
    );
    assert_eq!(
        status("empty.txt"),
        ("error".into(), "the file is empty".into())
    );
    assert_eq!(status("notes.json").0, "skipped");
    // Files are taken in path order, so in/copy/good.txt is the first of the two copies.
    assert_eq!(status("in/good.txt").0, "duplicate");
    assert!(status("in/good.txt").1.contains("copy/good.txt"));
    assert_eq!(
        status("copy/good.txt").0,
        "warning",
        "the seed's budget does not add up"
    );
    assert!(status("copy/good.txt").1.contains("budget.sum_mismatch"));
    assert!(stderr.contains("1 duplicate"), "{stderr}");
    assert!(stderr.contains("hidden"), "{stderr}");

    let (_, forms) = csv_rows(&dir.read("out/forms.csv"));
    assert_eq!(forms.len(), 1, "the duplicate is extracted once");
}

#[test]
fn a_legacy_word_document_gets_advice_not_a_panic() {
    let dir = Dir::new("legacy-doc");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend("WordDocument".encode_utf16().flat_map(|u| u.to_le_bytes()));
    let path = dir.write("old.docx", bytes);
    let output = run(&mut extract_into(&path, "-"), 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("old.docx")
            && stderr.contains(".doc")
            && stderr.contains("save it as .docx"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    run(jixiao().args(["extract"]), 2);
    run(jixiao().args(["extract", "fixtures", "-o", "-"]), 2);
    run(jixiao().args(["extract", "x.txt", "--format", "pdf"]), 2);
    run(jixiao().args(["frobnicate"]), 2);
}

/// A run's temporary files go to the temporary folder; when it cannot hold them, the
/// error names the file and the setting that moves them, no table is left, and the exit
/// code is 4 (the run failed), not 3 (tables written, some files unreadable).
#[test]
fn a_temporary_folder_that_cannot_be_written_is_named() {
    let dir = Dir::new("cli-tmpdir");
    let output = run(
        extract_into("fixtures", dir.join("out"))
            .arg("--quiet")
            .env("TMPDIR", dir.join("no-such-folder")),
        4,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot create the temporary file")
            && stderr.contains("no-such-folder")
            && stderr.contains("TMPDIR"),
        "{stderr}"
    );
    assert!(!dir.join("out/files.csv").exists());
}

/// A form saved as CSV is read from a folder like any other; and an output folder inside
/// the tree read is not searched by the next run (its CSV tables and workbook would
/// otherwise be read as forms): it is listed as skipped.
#[test]
fn csv_forms_are_read_and_the_output_folder_inside_the_tree_is_not() {
    let dir = Dir::new("cli-csv-and-output-inside");
    dir.write(
        "tree/form.csv",
        fixture_bytes("guangzhou-2024-csv/input.csv"),
    );
    for _ in 0..2 {
        run(
            extract_into(dir.join("tree"), dir.join("tree/out"))
                .args(["--format", "json,csv,xlsx"])
                .arg("--quiet"),
            0,
        );
    }
    let listed: Vec<(String, String, String)> = files_by_name(&dir.read("tree/out/files.csv"))
        .into_iter()
        .map(|(name, row)| (name, row.status, row.error))
        .collect();
    let expected = [
        (
            "form.csv",
            "warning",
            "2 warning findings: budget.sum_mismatch",
        ),
        (
            "out",
            "skipped",
            "this run's output folder (-o): not searched",
        ),
    ];
    assert_eq!(
        listed,
        expected.map(|(a, b, c)| (a.into(), b.into(), c.into()))
    );
}

/// The output folder reached through a link of another name inside the tree is not
/// searched either: it is told by its real path, not its name.
#[cfg(unix)]
#[test]
fn the_output_folder_behind_a_link_is_not_searched() {
    let dir = Dir::new("cli-output-behind-link");
    dir.write(
        "tree/form.csv",
        fixture_bytes("guangzhou-2024-csv/input.csv"),
    );
    let out = dir.join("tree/out");
    run(extract_into(dir.join("tree"), &out).arg("--quiet"), 0);
    std::os::unix::fs::symlink(&out, dir.join("tree/link")).unwrap();
    run(extract_into(dir.join("tree"), &out).arg("--quiet"), 0);
    let listed: Vec<(String, String, String)> = files_by_name(&dir.read("tree/out/files.csv"))
        .into_iter()
        .map(|(name, row)| (name, row.status, row.error))
        .collect();
    let skipped = "this run's output folder (-o): not searched";
    assert_eq!(
        listed,
        [
            (
                "form.csv".into(),
                "warning".into(),
                "2 warning findings: budget.sum_mismatch".into()
            ),
            ("link".into(), "skipped".into(), skipped.into()),
            ("out".into(), "skipped".into(), skipped.into()),
        ]
    );
}

/// An output folder that is the folder read (`extract forms -o forms`): the next run
/// lists the last run's tables as skipped instead of reading them as forms, whether it
/// finds them in a walk or is handed them by name (a shell's `forms/*`). A CSV form
/// that merely shares a folder with them is still read.
#[test]
fn the_last_runs_tables_in_the_folder_read_are_not_taken_for_forms() {
    let dir = Dir::new("cli-output-is-input");
    dir.write(
        "forms/form.csv",
        fixture_bytes("guangzhou-2024-csv/input.csv"),
    );
    let all_formats = ["--format", "json,csv,xlsx,sqlite", "--quiet"];
    run(
        extract_into(dir.join("forms"), dir.join("forms")).args(all_formats),
        0,
    );
    let statuses = |files_csv: &str| -> Vec<(String, String, String)> {
        files_by_name(files_csv)
            .into_iter()
            .map(|(name, row)| (name, row.status, row.error))
            .collect()
    };
    let own = "this run's own output (-o), from an earlier run: not read as a form";
    let mut expected: Vec<(String, String, String)> = [
        "budget.csv",
        "files.csv",
        "findings.csv",
        "forms.csv",
        "forms.jsonl",
        "indicators.csv",
        "jixiao.sqlite",
        "jixiao.xlsx",
        "summary.csv",
        "tasks.csv",
        "unmapped.csv",
    ]
    .iter()
    .map(|name| (name.to_string(), "skipped".to_string(), own.to_string()))
    .collect();
    expected.push((
        "form.csv".to_string(),
        "warning".to_string(),
        "2 warning findings: budget.sum_mismatch".to_string(),
    ));
    expected.sort();

    // Walked.
    run(
        extract_into(dir.join("forms"), dir.join("forms")).args(all_formats),
        0,
    );
    assert_eq!(statuses(&dir.read("forms/files.csv")), expected);
    let (_, forms) = csv_rows(&dir.read("forms/forms.csv"));
    assert_eq!(forms.len(), 1, "only the form itself: {forms:?}");

    // Named one by one, as a shell expands `forms/*`.
    let mut named: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("forms"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    named.sort();
    let mut command = jixiao();
    command
        .arg("extract")
        .args(&named)
        .arg("-o")
        .arg(dir.join("forms"));
    run(command.args(all_formats), 0);
    assert_eq!(statuses(&dir.read("forms/files.csv")), expected);
}

/// An output folder that cannot be made (here a file stands where it should be) fails
/// the run with exit 4, naming the folder.
#[test]
fn an_output_folder_that_cannot_be_made_fails_the_run() {
    let dir = Dir::new("cli-output-blocked");
    dir.write("out", "a file, not a folder");
    let output = run(extract_into("fixtures", dir.join("out")).arg("--quiet"), 4);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot create the output folder") && stderr.contains("out"),
        "{stderr}"
    );
}

/// A successful run's stdout, one JSON value a line.
fn json_lines(output: std::process::Output) -> Vec<Value> {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn value_reads_lines_in_order_one_object_each() {
    use std::io::Write;
    let mut child = jixiao()
        .arg("value")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("≥3000件\n\n低于0.2%\r\n全覆盖".as_bytes())
        .unwrap();
    let values = json_lines(child.wait_with_output().unwrap());
    assert_eq!(values.len(), 4, "same count as the input lines");
    assert_eq!(values[0]["value"], 3000);
    assert_eq!(
        values[1],
        serde_json::json!({"raw": "", "kind": "text", "op": null, "value": null, "low": null, "high": null, "unit": null, "unit_kind": null})
    );
    assert_eq!(values[2]["op"], "<");
    assert_eq!(values[3]["kind"], "text");
}

#[test]
fn value_reads_its_arguments_instead_of_stdin() {
    // stdin is left open and never read: arguments given, it is not waited on.
    let child = jixiao()
        .args(["value", "12月底前", "≥3000件", "--year", "2024"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let values = json_lines(child.wait_with_output().unwrap());
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["value"], "2024-12-31");
    assert_eq!(values[1]["value"], 3000);
}

#[test]
fn check_prints_findings_and_exits_by_severity() {
    let output = run(
        jixiao().args(["check", "fixtures/guangzhou-2024-text/input.txt"]),
        0,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("budget.sum_mismatch"), "{stdout}");

    let dir = Dir::new("check-error");
    let path = dir.write("nothing.txt", "这不是一张表\n只是一些文字\n");
    let output = run(jixiao().arg("check").arg(&path), 1);
    assert!(String::from_utf8_lossy(&output.stdout).contains("form.unrecognized"));
}

/// A budget line's note and a detail continued over several rows are shown, the
/// detail's later lines indented under it.
#[test]
fn inspect_shows_notes_and_details_line_by_line() {
    let output = run(
        jixiao().args(["inspect", "fixtures/project-last-year-text/input.txt"]),
        0,
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("     note: 按修补面积每平方米120元测算"),
        "{text}"
    );

    let dir = Dir::new("inspect-details");
    let path = dir.write(
        "form.txt",
        "部门名称\t某局\n部门职能\t（一）第一项。\n\t（二）第二项。\n",
    );
    let output = run(jixiao().arg("inspect").arg(&path), 0);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("  部门职能: （一）第一项。\n    （二）第二项。\n"),
        "{text}"
    );
}

#[test]
fn inspect_shows_parts_locations_and_findings() {
    let output = run(
        jixiao().args(["inspect", "fixtures/guangzhou-2024-xlsx/input.xlsx"]),
        0,
    );
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "广州市司法局2024年部门整体预算绩效目标申报表",
        "预算整体情况 (8 lines)",
        "年度重点工作任务 (4 tasks)",
        "'Sheet1'!",
        "budget.sum_mismatch",
        "Not understood (0)",
    ] {
        assert!(
            text.contains(expected),
            "inspect output lacks {expected:?}:\n{text}"
        );
    }
}

#[test]
fn schema_is_json_and_names_every_document_field() {
    let output = run(jixiao().arg("schema"), 0);
    let schema: Value = serde_json::from_slice(&output.stdout).expect("schema is JSON");
    let doc: Value = serde_json::from_slice(
        &run(
            jixiao().args([
                "extract",
                "fixtures/guangzhou-2024-text/input.txt",
                "-o",
                "-",
            ]),
            0,
        )
        .stdout,
    )
    .unwrap();
    let properties = schema["properties"].as_object().unwrap();
    for key in doc.as_object().unwrap().keys() {
        assert!(properties.contains_key(key), "schema lacks {key}");
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(required.contains(&"unmapped") && required.contains(&"findings"));
}

#[test]
fn inspect_and_check_name_an_unreadable_file_and_exit_3() {
    let dir = Dir::new("inspect-unreadable");
    let path = dir.write("broken.docx", b"PK\x03\x04 not a zip");
    let output = run(jixiao().arg("inspect").arg(&path), 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.docx") && stderr.contains("zip"),
        "{stderr}"
    );
    let output = run(jixiao().arg("check").arg(&path), 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.docx"));
    run(jixiao().arg("inspect").arg(dir.join("missing.xlsx")), 3);
}
