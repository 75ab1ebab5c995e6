//! Bulk runs as a finance bureau does them: determinism, sharding, duplicates across
//! files, CSV encodings.

use crate::util::{col, csv_rows, fixture, jixiao, run, Dir};

/// A small tree: the five renderings of the Guangzhou form plus a second department.
fn tree(dir: &Dir) -> std::path::PathBuf {
    for case in ["text", "gb18030", "utf16", "xlsx", "docx"] {
        let ext = match case {
            "xlsx" => "xlsx",
            "docx" => "docx",
            _ => "txt",
        };
        let bytes = std::fs::read(fixture(&format!("guangzhou-2024-{case}/input.{ext}"))).unwrap();
        dir.write(&format!("tree/{case}/form.{ext}"), bytes);
    }
    let seed = std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).unwrap();
    dir.write(
        "tree/other/shenzhen.txt",
        seed.replace("广州市司法局", "深圳市司法局"),
    );
    dir.join("tree")
}

#[test]
fn two_runs_write_byte_identical_tables() {
    let dir = Dir::new("bulk-determinism");
    let tree = tree(&dir);
    for (out, threads) in [("a", "1"), ("b", "2")] {
        run(
            jixiao()
                .arg("extract")
                .arg(&tree)
                .arg("-o")
                .arg(dir.join(out))
                .args(["--threads", threads]),
            0,
        );
    }
    for table in [
        "files.csv",
        "forms.csv",
        "budget.csv",
        "tasks.csv",
        "indicators.csv",
        "findings.csv",
        "summary.csv",
        "forms.jsonl",
    ] {
        assert_eq!(
            dir.read(&format!("a/{table}")),
            dir.read(&format!("b/{table}")),
            "{table} differs between runs"
        );
    }
}

#[test]
fn different_files_claiming_one_department_and_year_are_flagged_in_both() {
    let dir = Dir::new("bulk-duplicate-department");
    let tree = tree(&dir);
    run(
        jixiao()
            .arg("extract")
            .arg(&tree)
            .arg("-o")
            .arg(dir.join("out")),
        0,
    );
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
    assert!(flagged[0][col(&headers, "message")].contains("is also claimed by"));
    // The finding is in the JSON documents too, not only in the CSV.
    let jsonl = dir.read("out/forms.jsonl");
    assert_eq!(jsonl.matches("form.duplicate_department").count(), 5);
}

#[test]
fn shards_split_the_tree_without_overlap() {
    let dir = Dir::new("bulk-shards");
    let tree = tree(&dir);
    let mut all = Vec::new();
    for k in 1..=3 {
        let out = format!("shard{k}");
        run(
            jixiao()
                .arg("extract")
                .arg(&tree)
                .arg("-o")
                .arg(dir.join(&out))
                .args(["--shard", &format!("{k}/3")]),
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
        jixiao()
            .arg("extract")
            .arg(&input)
            .arg("-o")
            .arg(dir.join("gb"))
            .args(["--csv-encoding", "gb18030"]),
        0,
    );
    run(
        jixiao()
            .arg("extract")
            .arg(&input)
            .arg("-o")
            .arg(dir.join("bom"))
            .args(["--csv-encoding", "utf-8-bom"]),
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
