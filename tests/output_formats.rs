//! `--format xlsx` and `--format sqlite`: the workbook holds exactly the CSV tables of the
//! same run; the database holds them keyed, and re-runs over a grown or changed tree
//! update it without duplicating or leaving stale rows.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use rusqlite::Connection;

use crate::util::{col, csv_rows, extract_into, fixture, fixture_bytes, jixiao, run, Dir, TABLES};

/// A tree with a form in each rendering, a second department, and a non-form file.
fn tree(dir: &Dir) -> PathBuf {
    for (case, ext) in [("text", "txt"), ("xlsx", "xlsx"), ("docx", "docx")] {
        let bytes = fixture_bytes(&format!("guangzhou-2024-{case}/input.{ext}"));
        dir.write(&format!("tree/{case}/form.{ext}"), bytes);
    }
    dir.write("tree/notes.txt", "会议记录：无预算内容。\n");
    dir.join("tree")
}

fn seed_text() -> String {
    std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).unwrap()
}

fn extract(tree: &Path, out: &Path, formats: &str) {
    run(
        extract_into(tree, out).args(["--format", formats, "--quiet"]),
        0,
    );
}

/// A CSV cell and a workbook cell hold the same thing: numbers compare as numbers.
fn same(csv: &str, cell: &Data) -> bool {
    match cell {
        Data::Empty => csv.is_empty(),
        Data::String(s) => s == csv,
        Data::Float(f) => csv.parse::<f64>() == Ok(*f),
        Data::Int(i) => csv.parse::<f64>() == Ok(*i as f64),
        _ => false,
    }
}

#[test]
fn every_sheet_of_the_workbook_holds_its_csv_table() {
    let dir = Dir::new("formats-xlsx");
    let tree = tree(&dir);
    extract(&tree, &dir.join("out"), "csv,xlsx");
    let mut book: Xlsx<_> = calamine::open_workbook(dir.join("out/jixiao.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), TABLES);

    for table in TABLES {
        let (headers, rows) = csv_rows(&dir.read(&format!("out/{table}.csv")));
        let range = book.worksheet_range(table).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "{table}");
        let sheet: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = sheet[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header, headers, "{table}: header");
        assert_eq!(sheet.len() - 1, rows.len(), "{table}: rows");
        assert!(
            !rows.is_empty(),
            "{table}: the tree should fill every table"
        );
        for (r, (want, got)) in rows.iter().zip(&sheet[1..]).enumerate() {
            for (c, name) in headers.iter().enumerate() {
                let cell = got.get(c).unwrap_or(&Data::Empty);
                assert!(
                    same(&want[c], cell),
                    "{table} row {} column {name}: CSV {:?}, sheet {cell:?}",
                    r + 1,
                    want[c]
                );
            }
        }
    }

    // Amounts, years and counts are numbers; texts that look like amounts stay texts.
    let (headers, rows) = csv_rows(&dir.read("out/budget.csv"));
    let range = book.worksheet_range("budget").unwrap();
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let amount = range.get_value((r, col(&headers, "amount_wan") as u32));
        if !row[col(&headers, "amount_wan")].is_empty() {
            assert!(matches!(amount, Some(Data::Float(_))), "{amount:?}");
        }
        let year = range.get_value((r, col(&headers, "year") as u32));
        assert!(
            matches!(year, Some(Data::Float(_) | Data::Int(_))),
            "{year:?}"
        );
        let raw = range.get_value((r, col(&headers, "raw") as u32));
        assert!(matches!(raw, Some(Data::String(_))), "{raw:?}");
    }
    // Nothing of the library's row files or the staging is left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "left over: {names:?}"
    );
}

/// One part of the workbook's zip, as text.
fn part(xlsx: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_workbook_is_readable_frozen_filtered_sized_and_coloured() {
    let dir = Dir::new("formats-xlsx-look");
    let tree = tree(&dir);
    extract(&tree, &dir.join("out"), "xlsx");
    let xlsx = dir.join("out/jixiao.xlsx");
    assert!(
        !dir.join("out/files.csv").exists(),
        "xlsx alone writes no CSV"
    );

    for (index, table) in TABLES.iter().enumerate() {
        let sheet = part(&xlsx, &format!("xl/worksheets/sheet{}.xml", index + 1));
        assert!(
            sheet.contains(r#"ySplit="1""#) && sheet.contains(r#"state="frozen""#),
            "{table}: header row frozen"
        );
        assert!(
            sheet.contains("<autoFilter ref=\"A1:"),
            "{table}: autofilter"
        );
        assert!(sheet.contains("<cols>"), "{table}: column widths");
    }
    let files = part(&xlsx, "xl/worksheets/sheet1.xml");
    // Four input files below the header.
    assert!(files.contains(r#"<autoFilter ref="A1:E5"/>"#), "{files}");
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("#,##0.00"), "amount format");
    assert!(styles.contains("wrapText=\"1\""), "long texts wrap");
    assert!(styles.contains("FFFFC7CE"), "error fill");
    assert!(styles.contains("FFFFEB9C"), "warning fill");
    // The findings (all warnings or errors here) carry a filled style.
    let findings = part(&xlsx, "xl/worksheets/sheet6.xml");
    assert!(findings.contains(r#"<c r="A2" s=""#), "coloured row");
    // Cells, not only the style table: an amount (budget's amount_wan, column G) is a
    // number shown as #,##0.00; a long text (its label, F) is not.
    let budget = part(&xlsx, "xl/worksheets/sheet3.xml");
    let amount = cell_style(&budget, &styles, "G2");
    assert_eq!(amount.0.as_deref(), Some("#,##0.00"), "{amount:?}");
    assert_eq!(cell_style(&budget, &styles, "F2").0, None);
    // A task's content (tasks' column H) wraps.
    let tasks = part(&xlsx, "xl/worksheets/sheet4.xml");
    assert!(cell_style(&tasks, &styles, "H2").1, "task content wraps");
}

/// The number format code (None for General) and whether text wraps, of cell `at` of a
/// worksheet: its `s` index into styles.xml's cellXfs.
fn cell_style(sheet: &str, styles: &str, at: &str) -> (Option<String>, bool) {
    let attribute = |text: &str, name: &str| -> Option<String> {
        let start = text.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(text[start..].split('"').next()?.to_string())
    };
    let cell = &sheet[sheet.find(&format!("<c r=\"{at}\"")).expect(at)..];
    let cell = &cell[..cell.find('>').unwrap()];
    let index: usize = attribute(cell, "s").map_or(0, |s| s.parse().unwrap());
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf = xfs.split("<xf ").nth(index + 1).expect("the cell's xf");
    let xf = format!(" {}", &xf[..xf.find("<xf").unwrap_or(xf.len())]);
    let number_format = attribute(&xf, "numFmtId").filter(|id| id != "0").map(|id| {
        let at = styles
            .find(&format!("numFmtId=\"{id}\" formatCode=\""))
            .expect("numFmt");
        attribute(&styles[at..], "formatCode").unwrap()
    });
    (number_format, xf.contains("wrapText=\"1\""))
}

/// XLSX and SQLite asked for together are written on a thread each: both must still
/// hold every table of the run, the findings added at the end (the tree's three
/// renderings of one form claim one department and year) included.
#[test]
fn workbook_and_database_written_together_hold_the_same_tables() {
    let dir = Dir::new("formats-xlsx-sqlite");
    let tree = tree(&dir);
    extract(&tree, &dir.join("out"), "csv,xlsx,sqlite");
    let mut book: Xlsx<_> = calamine::open_workbook(dir.join("out/jixiao.xlsx")).unwrap();
    let in_db = counts(&dir.join("out/jixiao.sqlite"));
    for table in TABLES.iter().filter(|t| **t != "summary") {
        let (_, rows) = csv_rows(&dir.read(&format!("out/{table}.csv")));
        let sheet_rows = book.worksheet_range(table).unwrap().rows().count() - 1;
        assert_eq!(sheet_rows, rows.len(), "{table}: workbook");
        assert_eq!(in_db[*table] as usize, rows.len(), "{table}: database");
    }
    let flagged = count(
        &dir.join("out/jixiao.sqlite"),
        "SELECT COUNT(*) FROM findings WHERE code = 'form.duplicate_department'",
    );
    assert_eq!(flagged, 3, "each rendering of the Guangzhou form");
}

/// The one number a query of the database gives (a count).
fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Row counts of every table and the forms of the database.
fn counts(db: &Path) -> BTreeMap<String, i64> {
    TABLES
        .iter()
        .filter(|t| **t != "summary")
        .map(|t| {
            (
                t.to_string(),
                count(db, &format!("SELECT COUNT(*) FROM {t}")),
            )
        })
        .collect()
}

/// Rows per table of one form (every table but `files` and `summary` is keyed by form).
fn rows_of(db: &Path, form_id: &str) -> BTreeMap<String, i64> {
    let conn = Connection::open(db).unwrap();
    TABLES
        .iter()
        .filter(|t| !["files", "summary"].contains(t))
        .map(|t| {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT COUNT(*) FROM {t} WHERE form_id = ?1"),
                    [form_id],
                    |r| r.get(0),
                )
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

/// Data rows of each CSV table of a run.
fn csv_counts(dir: &Dir, out: &str) -> BTreeMap<String, i64> {
    TABLES
        .iter()
        .filter(|t| **t != "summary")
        .map(|t| {
            let (_, rows) = csv_rows(&dir.read(&format!("{out}/{t}.csv")));
            (t.to_string(), rows.len() as i64)
        })
        .collect()
}

fn form_ids(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT form_id FROM forms ORDER BY form_id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn re_runs_add_new_forms_replace_changed_files_and_never_duplicate() {
    let dir = Dir::new("formats-sqlite-reruns");
    let tree = tree(&dir);
    let out = dir.join("out");
    let db = out.join("jixiao.sqlite");

    extract(&tree, &out, "csv,sqlite");
    let first = counts(&db);
    assert_eq!(
        first,
        csv_counts(&dir, "out"),
        "the database holds the CSVs"
    );
    assert_eq!(
        first["forms"], 4,
        "three renderings and the unrecognized notes"
    );

    // Same tree again: nothing changes.
    extract(&tree, &out, "csv,sqlite");
    assert_eq!(counts(&db), first);
    let before = form_ids(&db);

    // A new file: its rows, and only they, are added.
    dir.write(
        "tree/other/shenzhen.txt",
        seed_text().replace("广州市司法局", "深圳市司法局"),
    );
    extract(&tree, &out, "csv,sqlite");
    let (headers, rows) = csv_rows(&dir.read("out/forms.csv"));
    let shenzhen: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[col(&headers, "path")].ends_with("shenzhen.txt"))
        .collect();
    assert_eq!(shenzhen.len(), 1);
    let new_id = shenzhen[0][col(&headers, "form_id")].clone();
    let grown = counts(&db);
    let added = rows_of(&db, &new_id);
    for (table, n) in &grown {
        let expected = first[table] + added.get(table).copied().unwrap_or(0);
        // files gains the new file's row.
        let expected = expected + i64::from(table == "files");
        assert_eq!(*n, expected, "{table}");
    }
    assert!(added["budget"] > 0 && added["indicators"] > 0);
    let mut ids = before.clone();
    ids.push(new_id.clone());
    ids.sort();
    assert_eq!(form_ids(&db), ids);

    // A changed file (same path, other bytes): its old form's rows are all gone.
    let (fheaders, frows) = csv_rows(&dir.read("out/files.csv"));
    let text_row = frows
        .iter()
        .find(|r| r[col(&fheaders, "path")].ends_with("text/form.txt"))
        .unwrap();
    let old_id = text_row[col(&fheaders, "form_id")].clone();
    let old_rows = rows_of(&db, &old_id);
    assert!(
        old_rows["forms"] == 1 && old_rows["budget"] > 0,
        "{old_rows:?}"
    );
    dir.write(
        "tree/text/form.txt",
        seed_text().replace("广州市司法局", "佛山市司法局"),
    );
    extract(&tree, &out, "csv,sqlite");
    assert!(
        rows_of(&db, &old_id).values().all(|n| *n == 0),
        "old rows left: {:?}",
        rows_of(&db, &old_id)
    );
    let (fheaders, frows) = csv_rows(&dir.read("out/files.csv"));
    let changed_id = frows
        .iter()
        .find(|r| r[col(&fheaders, "path")].ends_with("text/form.txt"))
        .map(|r| r[col(&fheaders, "form_id")].clone())
        .unwrap();
    assert_ne!(changed_id, old_id);
    let new_rows = rows_of(&db, &changed_id);
    assert!(
        new_rows["forms"] == 1 && new_rows["budget"] > 0,
        "{new_rows:?}"
    );
    assert_eq!(counts(&db), csv_counts(&dir, "out"), "same tree, same rows");

    let conn = Connection::open(&db).unwrap();
    let department: String = conn
        .query_row(
            "SELECT department FROM forms WHERE form_id = ?1",
            [&changed_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(department, "佛山市司法局");
    let files_id: String = conn
        .query_row(
            "SELECT form_id FROM files WHERE path LIKE '%text/form.txt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(files_id, changed_id);
    let orphans = count(
        &db,
        "SELECT COUNT(*) FROM budget WHERE form_id NOT IN (SELECT form_id FROM forms)",
    );
    assert_eq!(orphans, 0);
}

#[test]
fn a_run_over_part_of_the_tree_keeps_the_rest() {
    let dir = Dir::new("formats-sqlite-part");
    let tree = tree(&dir);
    let out = dir.join("out");
    let db = out.join("jixiao.sqlite");
    extract(&tree, &out, "sqlite");
    let all = counts(&db);
    let ids = form_ids(&db);
    let before: Vec<_> = ids.iter().map(|id| rows_of(&db, id)).collect();

    extract(&tree.join("xlsx"), &out, "sqlite");
    assert_eq!(form_ids(&db), ids);
    assert_eq!(counts(&db)["files"], all["files"]);
    let conn = Connection::open(&db).unwrap();
    for (id, rows) in ids.iter().zip(&before) {
        let path: String = conn
            .query_row("SELECT path FROM forms WHERE form_id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        if path.contains("/xlsx/") {
            // Read again alone: the findings across files (form.duplicate_department)
            // are those of this run.
            continue;
        }
        assert_eq!(&rows_of(&db, id), rows, "{path} is untouched");
    }
}

#[test]
fn the_database_has_keys_indexes_a_summary_view_and_its_version() {
    let dir = Dir::new("formats-sqlite-schema");
    let tree = tree(&dir);
    extract(&tree, &dir.join("out"), "csv,sqlite");
    let conn = Connection::open(dir.join("out/jixiao.sqlite")).unwrap();

    let objects: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in TABLES.iter().filter(|t| **t != "summary").chain(&["meta"]) {
        assert!(
            objects.contains(&("table".into(), table.to_string())),
            "{table}"
        );
    }
    assert!(objects.contains(&("view".into(), "summary".into())));

    let key = |table: &str| -> Vec<String> {
        let mut pk: Vec<(i64, String)> = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, i64>(5)?, r.get::<_, String>(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .filter(|(pk, _)| *pk > 0)
            .collect();
        pk.sort();
        pk.into_iter().map(|(_, c)| c).collect()
    };
    assert_eq!(key("files"), ["path"]);
    assert_eq!(key("forms"), ["form_id"]);
    for table in ["budget", "tasks", "indicators", "findings", "unmapped"] {
        assert_eq!(key(table), ["form_id", "seq"], "{table}");
    }

    let indexed = |table: &str| -> Vec<Vec<String>> {
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1")
            .unwrap()
            .query_map([table], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        names
            .iter()
            .map(|name| {
                conn.prepare(&format!("PRAGMA index_info(\"{name}\")"))
                    .unwrap()
                    .query_map([], |r| r.get::<_, String>(2))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            })
            .collect()
    };
    for table in ["forms", "budget", "tasks", "indicators"] {
        let indexes = indexed(table);
        assert!(
            indexes.contains(&vec!["department".into(), "year".into()]),
            "{table}: {indexes:?}"
        );
        assert!(
            indexes.contains(&vec!["year".into()]),
            "{table}: {indexes:?}"
        );
    }
    for table in ["findings", "unmapped"] {
        assert!(
            indexed(table).contains(&vec!["department".into()]),
            "{table}"
        );
    }

    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, "1");

    // The view computes what summary.csv says, row for row.
    assert_view_is_the_csv(&conn, &dir.read("out/summary.csv"));
}

/// A form that gives one key in two groups (合计 of its sources and of its items)
/// counts it once, in summary.csv and in the view alike.
#[test]
fn a_key_given_by_two_groups_is_summed_once() {
    let dir = Dir::new("formats-summary-two-groups");
    dir.write(
        "tree/form.txt",
        fixture_bytes("project-last-year-text/input.txt"),
    );
    extract(&dir.join("tree"), &dir.join("out"), "csv,sqlite");
    let summary = dir.read("out/summary.csv");
    let (headers, rows) = csv_rows(&summary);
    let total = col(&headers, "total");
    assert_eq!(rows[0][total].parse::<f64>().unwrap(), 1000.0, "{summary}");
    let conn = Connection::open(dir.join("out/jixiao.sqlite")).unwrap();
    assert_view_is_the_csv(&conn, &summary);
}

/// The database's `summary` view holds what `summary_csv` says, row for row.
fn assert_view_is_the_csv(conn: &Connection, summary_csv: &str) {
    let (headers, rows) = csv_rows(summary_csv);
    let mut stmt = conn.prepare("SELECT * FROM summary").unwrap();
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    assert_eq!(names, headers);
    let view: Vec<Vec<String>> = stmt
        .query_map([], |r| {
            (0..headers.len())
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => String::new(),
                        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                        rusqlite::types::ValueRef::Real(f) => f.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                    })
                })
                .collect()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(view.len(), rows.len());
    for (got, want) in view.iter().zip(&rows) {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let equal =
                g == w || matches!((g.parse::<f64>(), w.parse::<f64>()), (Ok(a), Ok(b)) if a == b);
            assert!(
                equal,
                "summary column {}: view {g:?}, CSV {w:?}",
                headers[i]
            );
        }
    }
}

#[test]
fn a_database_of_another_schema_version_is_left_alone() {
    let dir = Dir::new("formats-sqlite-version");
    let tree = tree(&dir);
    let db = dir.join("out/jixiao.sqlite");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO meta VALUES ('schema_version', '2');",
    )
    .unwrap();
    drop(conn);
    let output = extract_into(&tree, dir.join("out"))
        .args(["--format", "sqlite", "--quiet"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("schema version 2"), "{stderr}");
    let tables = count(
        &db,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
    );
    assert_eq!(tables, 1, "only meta, untouched");
}

#[test]
fn an_unknown_format_is_refused_naming_the_four() {
    let output = run(
        jixiao().args(["extract", "fixtures", "-o", "x", "--format", "parquet"]),
        2,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("json, csv, xlsx or sqlite"), "{stderr}");
}
