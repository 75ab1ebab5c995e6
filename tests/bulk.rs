//! Bulk runs as a finance bureau does them: determinism, sharding, duplicates across
//! files, CSV encodings.

use std::collections::HashMap;

use crate::util::{
    col, csv_rows, extract_into, fixture, fixture_bytes, jixiao, run, table_files, Dir,
};

use crate::common::{self, EntryKind};

/// A small tree: the five renderings of the Guangzhou form plus a second department.
fn tree(dir: &Dir) -> std::path::PathBuf {
    for case in ["text", "gb18030", "utf16", "xlsx", "docx"] {
        let ext = match case {
            "xlsx" => "xlsx",
            "docx" => "docx",
            _ => "txt",
        };
        let bytes = fixture_bytes(&format!("guangzhou-2024-{case}/input.{ext}"));
        dir.write(&format!("tree/{case}/form.{ext}"), bytes);
    }
    let seed = std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).unwrap();
    dir.write(
        "tree/other/shenzhen.txt",
        seed.replace("广州市司法局", "深圳市司法局"),
    );
    dir.join("tree")
}

/// Extracts `tree` into `a` on one thread and into `b` on two, each exiting with `code`,
/// and asserts every table is byte-identical between the two.
fn assert_alike_at_one_and_two_threads(dir: &Dir, tree: &std::path::Path, code: i32) {
    for (out, threads) in [("a", "1"), ("b", "2")] {
        run(
            extract_into(tree, dir.join(out)).args(["--threads", threads, "--quiet"]),
            code,
        );
    }
    for table in table_files() {
        assert_eq!(
            dir.read(&format!("a/{table}")),
            dir.read(&format!("b/{table}")),
            "{table} differs between one and two threads"
        );
    }
}

#[test]
fn two_runs_write_byte_identical_tables() {
    let dir = Dir::new("bulk-determinism");
    let tree = tree(&dir);
    assert_alike_at_one_and_two_threads(&dir, &tree, 0);
}

/// More files than the workers hold in flight (32 per thread), so the thread handing
/// files out has to wait for the writing, and a cross-file finding to splice in at the end.
#[test]
fn a_tree_longer_than_the_window_is_written_alike_at_one_and_two_threads() {
    let dir = Dir::new("bulk-window");
    let tree = dir.join("tree");
    common::write_corpus(&tree, 150, 11, true);
    assert_alike_at_one_and_two_threads(&dir, &tree, 3);
    let (_, files) = csv_rows(&dir.read("a/files.csv"));
    assert!(files.len() > 150, "{} files listed", files.len());
    assert!(dir
        .read("a/findings.csv")
        .contains("form.duplicate_department"));
}

#[test]
fn different_files_claiming_one_department_and_year_are_flagged_in_both() {
    let dir = Dir::new("bulk-duplicate-department");
    let tree = tree(&dir);
    run(&mut extract_into(&tree, dir.join("out")), 0);
    let (headers, rows) = csv_rows(&dir.read("out/findings.csv"));
    let flagged: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[col(&headers, "code")] == "form.duplicate_department")
        .collect();
    assert_eq!(
        flagged.len(),
        5,
        "each of the five Guangzhou files, not the Shenzhen one"
    );
    assert!(flagged
        .iter()
        .all(|r| r[col(&headers, "department")] == "广州市司法局"));
    assert!(flagged[0][col(&headers, "message")].contains("is claimed by 5 files"));
    // The finding is in the JSON documents too, not only in the CSV.
    let jsonl = dir.read("out/forms.jsonl");
    assert_eq!(jsonl.matches("form.duplicate_department").count(), 5);
}

/// Forms whose department could not be read claim no department: two of them for the
/// same year are not one department filed twice.
#[test]
fn forms_without_a_department_are_not_flagged_as_claiming_one() {
    let dir = Dir::new("bulk-no-department");
    for (name, amount) in [("a.txt", "10"), ("b.txt", "12")] {
        dir.write(
            &format!("tree/{name}"),
            format!(
                "2024年部门整体预算绩效目标申报表\n预算整体情况\t收入来源\t金额(万元)\n\
                 \t财政拨款\t{amount}\n\t合计\t{amount}\n"
            ),
        );
    }
    run(
        extract_into(dir.join("tree"), dir.join("out")).arg("--quiet"),
        0,
    );
    let (headers, forms) = csv_rows(&dir.read("out/forms.csv"));
    assert_eq!(forms.len(), 2);
    assert!(forms
        .iter()
        .all(|f| f[col(&headers, "department")].is_empty() && f[col(&headers, "year")] == "2024"));
    let findings = dir.read("out/findings.csv");
    assert!(
        !findings.contains("form.duplicate_department"),
        "{findings}"
    );
}

#[test]
fn shards_split_the_tree_without_overlap() {
    let dir = Dir::new("bulk-shards");
    let tree = tree(&dir);
    let mut all = Vec::new();
    for k in 1..=3 {
        let out = format!("shard{k}");
        run(
            extract_into(&tree, dir.join(&out)).args(["--shard", &format!("{k}/3")]),
            0,
        );
        let (_, rows) = csv_rows(&dir.read(&format!("{out}/files.csv")));
        all.extend(rows.into_iter().map(|r| r[0].clone()));
    }
    all.sort();
    assert_eq!(all.len(), 6, "every file in exactly one shard: {all:?}");
    all.dedup();
    assert_eq!(all.len(), 6);
    run(
        jixiao().arg("extract").arg(&tree).args(["--shard", "4/3"]),
        2,
    );
}

#[test]
fn csv_tables_can_be_written_for_excel_on_chinese_windows() {
    let dir = Dir::new("bulk-gb18030");
    let input = fixture("guangzhou-2024-text/input.txt");
    run(
        extract_into(&input, dir.join("gb")).args(["--csv-encoding", "gb18030"]),
        0,
    );
    run(
        extract_into(&input, dir.join("bom")).args(["--csv-encoding", "utf-8-bom"]),
        0,
    );
    let bytes = std::fs::read(dir.join("gb/budget.csv")).unwrap();
    let (text, _, errors) = encoding_rs::GB18030.decode(&bytes);
    assert!(
        !errors && text.contains("广州市司法局") && std::str::from_utf8(&bytes).is_err(),
        "GB18030, not UTF-8"
    );
    let bom = std::fs::read(dir.join("bom/budget.csv")).unwrap();
    assert!(bom.starts_with(b"\xEF\xBB\xBFform_id,"));
    run(
        jixiao()
            .arg("extract")
            .arg(&input)
            .args(["--csv-encoding", "latin1"]),
        2,
    );
}

#[test]
fn every_file_of_a_generated_tree_is_accounted_for() {
    let dir = Dir::new("bulk-generated");
    let tree = dir.join("tree");
    let manifest = common::write_corpus(&tree, 60, 7, true);
    let output = run(&mut extract_into(&tree, dir.join("out")), 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.xlsx") && stderr.contains("truncated.xlsx"),
        "{stderr}"
    );

    let (headers, rows) = csv_rows(&dir.read("out/files.csv"));
    let by_path: HashMap<String, &Vec<String>> = rows
        .iter()
        .map(|r| {
            let rel = std::path::Path::new(&r[0])
                .strip_prefix(&tree)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, r)
        })
        .collect();
    let (form_headers, forms) = csv_rows(&dir.read("out/forms.csv"));
    let forms_by_path: HashMap<&str, &Vec<String>> = forms
        .iter()
        .map(|f| (f[col(&form_headers, "path")].as_str(), f))
        .collect();
    let status = |row: &Vec<String>| row[col(&headers, "status")].clone();
    // Of two identical files, jixiao reads the one first in path order and lists the
    // other as its duplicate, whichever of them the generator wrote first.
    let copies: HashMap<std::path::PathBuf, std::path::PathBuf> = manifest
        .entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::DuplicateOf(first) => Some((first.clone(), e.path.clone())),
            _ => None,
        })
        .collect();
    let read_first = |path: &std::path::Path, other: &std::path::Path| path < other;
    let mut listed = 0;
    for entry in &manifest.entries {
        let rel = entry.path.to_string_lossy().replace('\\', "/");
        let row = by_path.get(&rel);
        listed += 1;
        let row = row.unwrap_or_else(|| panic!("{rel} missing from files.csv"));
        let error = &row[col(&headers, "error")];
        let copy_read_instead = copies
            .get(&entry.path)
            .filter(|copy| read_first(copy, &entry.path));
        let original_read_instead = match &entry.kind {
            EntryKind::DuplicateOf(first) => read_first(first, &entry.path),
            _ => false,
        };
        match &entry.kind {
            _ if copy_read_instead.is_some() => {
                assert_eq!(status(row), "duplicate", "{rel}");
                assert!(
                    error.contains(&*copy_read_instead.unwrap().to_string_lossy()),
                    "{rel}: {error}"
                );
            }
            EntryKind::DuplicateOf(_) if !original_read_instead => {
                assert!(
                    ["ok", "warning"].contains(&status(row).as_str()),
                    "{rel} is read, its original listed as the copy"
                );
            }
            EntryKind::FormXlsx | EntryKind::FormDocx | EntryKind::FormText => {
                let conflict = entry.department.as_deref()
                    == Some(common::corpus::CONFLICT_DEPARTMENT)
                    && entry.year == Some(common::corpus::CONFLICT_YEAR);
                let expected = if entry.budget_mismatch || conflict {
                    "warning"
                } else {
                    "ok"
                };
                assert_eq!(status(row), expected, "{rel}: {error}");
                assert_eq!(
                    entry.budget_mismatch,
                    error.contains("budget.sum_mismatch"),
                    "{rel}: {error}"
                );
                let form = forms_by_path[row[0].as_str()];
                assert_eq!(
                    form[col(&form_headers, "department")],
                    entry.department.clone().unwrap(),
                    "{rel}"
                );
                assert_eq!(
                    form[col(&form_headers, "tasks")],
                    entry.tasks.to_string(),
                    "{rel}"
                );
                assert_eq!(
                    form[col(&form_headers, "indicators")],
                    entry.indicators.to_string(),
                    "{rel}"
                );
                assert_eq!(form[col(&form_headers, "unmapped")], "0", "{rel}");
            }
            EntryKind::DuplicateOf(first) => {
                assert_eq!(status(row), "duplicate", "{rel}");
                assert!(error.contains(&*first.to_string_lossy()), "{rel}: {error}");
                assert!(
                    !row[col(&headers, "form_id")].is_empty(),
                    "{rel}: a copy names the forms it repeats"
                );
            }
            EntryKind::Empty | EntryKind::Corrupt | EntryKind::Truncated => {
                assert_eq!(status(row), "error", "{rel}");
                assert!(!error.is_empty(), "{rel}");
            }
            EntryKind::Other | EntryKind::Lock | EntryKind::Hidden => {
                assert_eq!(status(row), "skipped", "{rel}: passed over, but listed")
            }
        }
    }
    assert_eq!(
        rows.len(),
        listed,
        "files.csv lists exactly the files it should"
    );
    // The final line counts every status files.csv holds.
    let count = |wanted: &str| rows.iter().filter(|r| status(r) == wanted).count();
    let expected = format!(
        "{} files: {} ok, {} warning, {} error",
        rows.len(),
        count("ok"),
        count("warning"),
        count("error")
    );
    assert!(stderr.contains(&expected), "{expected} in {stderr}");
    let expected = format!(
        "{} skipped, {} duplicate; ",
        count("skipped"),
        count("duplicate")
    );
    assert!(stderr.contains(&expected), "{expected} in {stderr}");
    assert!(stderr.contains("hidden/lock"), "{stderr}");
}

/// A link from inside a tree back to its root is listed, not walked round forever.
#[cfg(unix)]
#[test]
fn a_symlink_loop_is_listed_not_followed() {
    let dir = Dir::new("bulk-symlink-loop");
    let tree = tree(&dir);
    std::os::unix::fs::symlink(&tree, tree.join("other/back-to-the-top")).unwrap();
    run(extract_into(&tree, dir.join("out")).arg("--quiet"), 0);
    let (headers, rows) = csv_rows(&dir.read("out/files.csv"));
    let link = rows
        .iter()
        .find(|r| r[0].ends_with("back-to-the-top"))
        .expect("the link is listed in files.csv");
    assert_eq!(link[col(&headers, "status")], "skipped");
    assert!(link[col(&headers, "error")].contains("symbolic link loop"));
    assert_eq!(rows.len(), 7, "the six forms once each, and the link");
}

/// A run that cannot finish writing leaves the tables of the last complete run as they
/// were, and none half-written beside them.
#[cfg(unix)]
#[test]
fn a_failed_run_leaves_the_last_complete_tables_untouched() {
    let dir = Dir::new("bulk-interrupted");
    let tree = tree(&dir);
    let extract = || {
        let mut cmd = extract_into(&tree, dir.join("out"));
        cmd.arg("--quiet");
        cmd
    };
    run(&mut extract(), 0);
    let before: Vec<String> = table_files()
        .map(|table| dir.read(&format!("out/{table}")))
        .collect();
    // The tree grows, and the disk fills up under the next run's JSON lines.
    let seed = std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).unwrap();
    dir.write(
        "tree/other/zhuhai.txt",
        seed.replace("广州市司法局", "珠海市司法局"),
    );
    std::os::unix::fs::symlink("/dev/full", dir.join("out/.forms.jsonl.partial")).unwrap();
    let output = extract().output().unwrap();
    // 4, not 3: no table of this run was written (3 says they were, less some files).
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("No space left"), "{stderr}");
    let after: Vec<String> = table_files()
        .map(|table| dir.read(&format!("out/{table}")))
        .collect();
    assert!(before == after, "the last complete run's tables changed");
    assert!(
        !after[0].contains("zhuhai"),
        "no table of the failed run was moved in"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// A run longer than every list a run keeps in memory before it spools to disk (4,096
/// inputs, department-years, findings across files; the copies table's first 1,024
/// slots): every file is listed once in path order, copies are found, every department
/// and year is summed, and every form of a department claimed twice gets its finding.
#[test]
fn a_run_past_every_spill_threshold_keeps_every_file_and_finding() {
    let dir = Dir::new("bulk-spill");
    const FORMS: usize = 8_400;
    const DEPARTMENTS: usize = FORMS / 2;
    for i in 0..FORMS {
        // Folders written out of order, so the walk does not come sorted.
        let path = format!("tree/d{}/f{i:05}.txt", (i * 7) % 5);
        dir.write(
            &path,
            format!("部门名称\t第{}局\n备注\t{i}\n", i % DEPARTMENTS),
        );
    }
    let first = format!("tree/d{}/f00003.txt", (3 * 7) % 5);
    dir.write("tree/zz/copy.txt", dir.read(&first));
    dir.write("tree/.hidden.txt", "x");
    run(
        extract_into(dir.join("tree"), dir.join("out")).args(["--threads", "2", "--quiet"]),
        0,
    );

    let (headers, files) = csv_rows(&dir.read("out/files.csv"));
    let (path, status, error) = (
        col(&headers, "path"),
        col(&headers, "status"),
        col(&headers, "error"),
    );
    assert_eq!(files.len(), FORMS + 2);
    assert!(
        files.windows(2).all(|w| w[0][path] < w[1][path]),
        "sorted, each path once"
    );
    let copy = files
        .iter()
        .find(|r| r[path].ends_with("copy.txt"))
        .unwrap();
    assert_eq!(copy[status], "duplicate");
    assert!(
        copy[error].ends_with(first.trim_start_matches("tree/")),
        "{copy:?}"
    );
    let warned = files.iter().filter(|r| r[status] == "warning").count();
    assert_eq!(
        warned, FORMS,
        "each form's file carries its finding across files"
    );

    let (headers, findings) = csv_rows(&dir.read("out/findings.csv"));
    let (code, department) = (col(&headers, "code"), col(&headers, "department"));
    let mut by_department: HashMap<&str, usize> = HashMap::new();
    for row in &findings {
        *by_department.entry(&row[department]).or_default() += 1;
    }
    let across = findings
        .iter()
        .filter(|r| r[code] == "form.duplicate_department");
    assert_eq!(across.count(), FORMS);

    let (headers, summary) = csv_rows(&dir.read("out/summary.csv"));
    let (name, forms, counted) = (
        col(&headers, "department"),
        col(&headers, "forms"),
        col(&headers, "findings"),
    );
    let (total, departments) = summary.split_last().unwrap();
    assert_eq!(total[name], "TOTAL");
    assert_eq!(total[forms], FORMS.to_string());
    assert_eq!(departments.len(), DEPARTMENTS);
    assert!(departments.windows(2).all(|w| w[0][name] < w[1][name]));
    for row in departments {
        assert_eq!(row[forms], "2", "{row:?}");
        assert_eq!(
            row[counted],
            by_department[row[name].as_str()].to_string(),
            "{row:?}"
        );
    }
    assert_eq!(dir.read("out/forms.jsonl").lines().count(), FORMS);
}
