//! The database (`--format sqlite`): the tables in `DIR/jixiao.sqlite`, keyed so that
//! running again over a grown or changed tree updates it in place.
//!
//! Keys: `files` by path, `forms` by form_id, and every per-form table by
//! (form_id, seq), seq being the row's position in its form (a task's own seq). Each
//! form is written delete-then-insert by form_id, so a form read again replaces its
//! rows and none is duplicated; a file of this run whose form ids differ from those the
//! database holds for its path has its old forms deleted. `summary` is a view over the
//! tables, so it covers everything the database holds, not just this run.
//!
//! The whole update is one transaction, committed last: the database is written in
//! place (not staged like the other outputs), and an interrupted or failed run leaves
//! the previous one as it was, since SQLite rolls back what was not committed.

use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::Serialize;

use super::csv::{
    BUDGET_HEADERS, FILES_HEADERS, FINDINGS_HEADERS, FORMS_HEADERS, TASKS_HEADERS, UNMAPPED_HEADERS,
};
use super::tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
    BUDGET_KEYS,
};
use super::Sink;
use crate::document::Form;

/// `meta.schema_version`: raised when the tables change in a way older readers or
/// writers cannot follow (added columns do not count: they are added in place).
pub const SCHEMA_VERSION: &str = "1";

/// The key of the tables that hold a form's rows (budget lines, tasks, …): the form and
/// the row's place in it.
const PER_FORM_KEY: &str = "form_id, seq";

/// A table's columns (the CSV's, plus `seq` where the CSV has none) and key.
struct Table {
    name: &'static str,
    columns: Vec<String>,
    key: &'static str,
    /// Indexed column lists, besides the key.
    indexes: &'static [&'static str],
}

fn tables() -> Vec<Table> {
    let owned = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let with_seq = |mut columns: Vec<String>| {
        if !columns.iter().any(|c| c == "seq") {
            columns.push("seq".into());
        }
        columns
    };
    // A table of a form's rows: the CSV's columns and `seq`, keyed by form and place.
    let per_form = |name, headers: Vec<String>, indexes| Table {
        name,
        columns: with_seq(headers),
        key: PER_FORM_KEY,
        indexes,
    };
    vec![
        Table {
            name: "files",
            columns: owned(FILES_HEADERS),
            key: "path",
            indexes: &["status"],
        },
        Table {
            name: "forms",
            columns: owned(FORMS_HEADERS),
            key: "form_id",
            indexes: &["department, year", "year", "path"],
        },
        per_form(
            "budget",
            owned(BUDGET_HEADERS),
            &["department, year", "year"],
        ),
        per_form("tasks", owned(TASKS_HEADERS), &["department, year", "year"]),
        per_form(
            "indicators",
            IndicatorRow::headers(),
            &["department, year", "year"],
        ),
        per_form("findings", owned(FINDINGS_HEADERS), &["department", "code"]),
        per_form("unmapped", owned(UNMAPPED_HEADERS), &["department"]),
    ]
}

/// The declared type of a column, by name (as the other tables type them).
fn column_type(column: &str) -> &'static str {
    match column {
        "year" | "seq" | "budget_lines" | "tasks" | "indicators" | "findings" | "unmapped" => {
            "INTEGER"
        }
        "amount_wan" | "funds_wan" => "REAL",
        // Numbers, or ISO dates for date values: no declared type, so SQLite keeps each
        // value as bound (a type such as ANY would turn 3.0 into 3).
        "period_value" | "period_low" | "period_high" | "annual_value" | "annual_low"
        | "annual_high" | "weight" => "",
        _ => "TEXT",
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn index_name(table: &str, columns: &str) -> String {
    let cols: Vec<&str> = columns.split(',').map(str::trim).collect();
    quote(&format!("{table}_{}", cols.join("_")))
}

fn quote_list(columns: &str) -> String {
    columns
        .split(',')
        .map(|c| quote(c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `summary` view: summary.csv's columns over everything in the database, one row
/// per department and year (sorted as the CSV) and a final `TOTAL` row. Budget keys
/// and task funds are summed per form first, as the CSV does: a key within the first
/// group that gives it (`counted`), another group's line of it being another view of
/// the same money.
fn summary_view() -> String {
    let per_key: Vec<String> = BUDGET_KEYS
        .iter()
        .map(|k| format!("SUM(CASE WHEN \"key\" = '{k}' THEN amount_wan END) AS {k}"))
        .collect();
    let rounded: Vec<String> = BUDGET_KEYS
        .iter()
        .map(|k| format!("ROUND(SUM({k}), 2) AS {k}"))
        .collect();
    let totals = format!(
        "COUNT(*) AS forms, {}, ROUND(SUM(tasks_funds_wan), 2) AS tasks_funds_wan, \
         COALESCE(SUM(indicators), 0) AS indicators, COALESCE(SUM(findings), 0) AS findings",
        rounded.join(", ")
    );
    format!(
        "CREATE VIEW summary AS
WITH counted AS (
  SELECT form_id, \"key\", amount_wan FROM (
    SELECT form_id, \"key\", amount_wan, \"group\",
           FIRST_VALUE(\"group\") OVER (PARTITION BY form_id, \"key\" ORDER BY seq) AS first_group
    FROM budget WHERE \"key\" IS NOT NULL AND amount_wan IS NOT NULL
  ) WHERE \"group\" IS first_group
),
per_form AS (
  SELECT COALESCE(f.department, '') AS department, f.year AS year,
         f.indicators AS indicators, f.findings AS findings, b.*, t.tasks_funds_wan
  FROM forms f
  LEFT JOIN (SELECT form_id AS budget_form, {per_key} FROM counted GROUP BY form_id) b
    ON b.budget_form = f.form_id
  LEFT JOIN (SELECT form_id AS tasks_form, SUM(funds_wan) AS tasks_funds_wan FROM tasks GROUP BY form_id) t
    ON t.tasks_form = f.form_id
)
SELECT {columns} FROM (
  SELECT 0 AS total_row, department, year, {totals} FROM per_form GROUP BY department, year
  UNION ALL
  SELECT 1, 'TOTAL', NULL, {totals} FROM per_form
)
ORDER BY total_row, department, year",
        per_key = per_key.join(", "),
        columns = Summary::headers().join(", "),
    )
}

fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> io::Error + '_ {
    move |e| io::Error::other(format!("{}: {e}", path.display()))
}

/// A serialized row field as an SQL value; empty texts are NULL (the CSV cannot tell
/// them apart either).
fn from_json(value: serde_json::Value) -> SqlValue {
    match value {
        serde_json::Value::Null => SqlValue::Null,
        serde_json::Value::Bool(b) => SqlValue::Integer(b.into()),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::Integer(i),
            (None, Some(f)) => SqlValue::Real(f),
            _ => SqlValue::Text(n.to_string()),
        },
        serde_json::Value::String(s) if s.is_empty() => SqlValue::Null,
        serde_json::Value::String(s) => SqlValue::Text(s),
        other => SqlValue::Text(other.to_string()),
    }
}

/// A text field (indicators) as an SQL value: numbers in the numeric columns.
fn from_text(text: String, column: &str) -> SqlValue {
    if text.is_empty() {
        return SqlValue::Null;
    }
    if matches!(column_type(column), "" | "INTEGER" | "REAL")
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        if let Ok(i) = text.parse::<i64>() {
            return SqlValue::Integer(i);
        }
        if let Ok(f) = text.parse::<f64>() {
            if f.is_finite() {
                return SqlValue::Real(f);
            }
        }
    }
    SqlValue::Text(text)
}

/// The fields of a row struct, in column order.
fn fields<T: Serialize>(row: &T) -> io::Result<Vec<SqlValue>> {
    match serde_json::to_value(row)? {
        serde_json::Value::Object(map) => Ok(map.into_iter().map(|(_, v)| from_json(v)).collect()),
        _ => Err(io::Error::other("a table row must serialize as a map")),
    }
}

/// The database, inside its one open transaction.
pub struct SqliteSink {
    conn: Connection,
    path: std::path::PathBuf,
    /// INSERT statements, by table name (prepared once, from the statement cache).
    inserts: Vec<(&'static str, String)>,
    /// The statements that delete a form: its rows in each per-form table, then itself.
    deletes: Vec<String>,
}

impl SqliteSink {
    /// Opens (or creates) `path`, starts the transaction, and makes or extends the
    /// schema. Fails on a database of another schema version rather than mixing them.
    pub fn open(path: &Path) -> io::Result<Self> {
        let err = sql_error(path);
        let conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(&err)?;
        conn.set_prepared_statement_cache_capacity(64);
        // IMMEDIATE: take the write lock now, not halfway through the run.
        conn.execute_batch("BEGIN IMMEDIATE").map_err(&err)?;
        let mut sink = SqliteSink {
            conn,
            path: path.to_path_buf(),
            inserts: Vec::new(),
            deletes: Vec::new(),
        };
        if let Some(version) = sink.version().map_err(&err)? {
            if version != SCHEMA_VERSION {
                return Err(io::Error::other(format!(
                    "{}: this database has jixiao schema version {version}, this jixiao \
                     writes version {SCHEMA_VERSION}: write to another folder",
                    path.display()
                )));
            }
        }
        sink.schema().map_err(&err)?;
        Ok(sink)
    }

    /// The schema version the database has, if it has one.
    fn version(&self) -> Result<Option<String>, rusqlite::Error> {
        self.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )?;
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
    }

    fn schema(&mut self) -> Result<(), rusqlite::Error> {
        let conn = &self.conn;
        for table in tables() {
            let mut defs: Vec<String> = table
                .columns
                .iter()
                .map(|c| {
                    let mut def = format!("{} {}", quote(c), column_type(c));
                    if table.key.split(", ").any(|k| k == c) {
                        def.push_str(" NOT NULL");
                    }
                    if c == "form_id" && table.key != "form_id" && table.name != "files" {
                        def.push_str(" REFERENCES forms (form_id)");
                    }
                    def
                })
                .collect();
            defs.push(format!("PRIMARY KEY ({})", quote_list(table.key)));
            conn.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({})",
                quote(table.name),
                defs.join(", ")
            ))?;
            // Columns a later jixiao added to the tables are added to an older database.
            let existing: Vec<String> = conn
                .prepare(&format!("PRAGMA table_info({})", quote(table.name)))?
                .query_map([], |r| r.get::<_, String>(1))?
                .collect::<Result<_, _>>()?;
            for column in table.columns.iter().filter(|c| !existing.contains(c)) {
                conn.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    quote(table.name),
                    quote(column),
                    column_type(column)
                ))?;
            }
            for columns in table.indexes {
                conn.execute_batch(&format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                    index_name(table.name, columns),
                    quote(table.name),
                    quote_list(columns)
                ))?;
            }
            let names: Vec<String> = table.columns.iter().map(|c| quote(c)).collect();
            let marks = vec!["?"; names.len()].join(", ");
            let verb = if table.name == "files" {
                "INSERT OR REPLACE"
            } else {
                "INSERT"
            };
            self.inserts.push((
                table.name,
                format!(
                    "{verb} INTO {} ({}) VALUES ({marks})",
                    quote(table.name),
                    names.join(", ")
                ),
            ));
            if table.key == PER_FORM_KEY {
                self.deletes.push(format!(
                    "DELETE FROM {} WHERE form_id = ?1",
                    quote(table.name)
                ));
            }
        }
        self.deletes
            .push("DELETE FROM forms WHERE form_id = ?1".to_string());
        // Recreated every run, so it is always this version's.
        conn.execute_batch("DROP VIEW IF EXISTS summary")?;
        conn.execute_batch(&summary_view())?;
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1), \
             ('contract', ?2), ('writer', ?3)",
            params![
                SCHEMA_VERSION,
                crate::document::SCHEMA,
                concat!("jixiao ", env!("CARGO_PKG_VERSION"))
            ],
        )?;
        Ok(())
    }

    fn insert(&self, table: &str, values: Vec<SqlValue>) -> Result<(), rusqlite::Error> {
        let sql = self
            .inserts
            .iter()
            .find(|(name, _)| *name == table)
            .map(|(_, sql)| sql.as_str())
            .unwrap_or_default();
        self.conn
            .prepare_cached(sql)?
            .execute(params_from_iter(values))?;
        Ok(())
    }

    /// Deletes a form and its rows in every table.
    fn delete_form(&self, form_id: &str) -> Result<(), rusqlite::Error> {
        for sql in &self.deletes {
            self.conn.prepare_cached(sql)?.execute([form_id])?;
        }
        Ok(())
    }

    fn write_form(&self, form: &Form) -> io::Result<()> {
        let err = sql_error(&self.path);
        self.delete_form(&form.form_id).map_err(&err)?;
        self.insert("forms", fields(&FormRow::new(form))?)
            .map_err(&err)?;
        let seq = |i: usize| SqlValue::Integer(i as i64 + 1);
        for (i, row) in budget_rows(form).enumerate() {
            let mut values = fields(&row)?;
            values.push(seq(i));
            self.insert("budget", values).map_err(&err)?;
        }
        for row in task_rows(form) {
            self.insert("tasks", fields(&row)?).map_err(&err)?;
        }
        let headers = IndicatorRow::headers();
        for (i, indicator) in form.indicators.iter().enumerate() {
            let mut values: Vec<SqlValue> = IndicatorRow { form, indicator }
                .fields()
                .into_iter()
                .zip(&headers)
                .map(|(text, column)| from_text(text.into_owned(), column))
                .collect();
            values.push(seq(i));
            self.insert("indicators", values).map_err(&err)?;
        }
        for (i, row) in finding_rows(form).enumerate() {
            let mut values = fields(&row)?;
            values.push(seq(i));
            self.insert("findings", values).map_err(&err)?;
        }
        for (i, row) in unmapped_rows(form).enumerate() {
            let mut values = fields(&row)?;
            values.push(seq(i));
            self.insert("unmapped", values).map_err(&err)?;
        }
        Ok(())
    }

    /// The file's row replaces the one for its path. The forms the database held for
    /// that path and this run did not find in it are deleted, unless this run has
    /// already written them from another file (same bytes moved or copied).
    fn write_file(&self, row: &FileRow) -> Result<(), rusqlite::Error> {
        let old: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT form_id FROM files WHERE path = ?1")?
            .query_row([&row.path], |r| r.get(0))
            .optional()?;
        self.insert("files", fields(row).map_err(to_sql_error)?)?;
        let Some(Some(old)) = old else {
            return Ok(());
        };
        let new: Vec<&str> = row.form_id.split_whitespace().collect();
        for id in old.split_whitespace().filter(|id| !new.contains(id)) {
            let owner: Option<String> = self
                .conn
                .prepare_cached("SELECT path FROM forms WHERE form_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            if owner.as_deref() == Some(row.path.as_str()) {
                self.delete_form(id)?;
            }
        }
        Ok(())
    }
}

fn to_sql_error(e: io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

impl Sink for SqliteSink {
    fn reads_forms(&self) -> bool {
        true
    }

    fn form(&mut self, form: &std::sync::Arc<Form>) -> io::Result<()> {
        self.write_form(form)
    }

    fn file(&mut self, row: &FileRow) -> io::Result<()> {
        self.write_file(row).map_err(sql_error(&self.path))
    }

    fn finish(self: Box<Self>, _summary: &Summary) -> io::Result<()> {
        let err = sql_error(&self.path);
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('updated_at', datetime('now'))",
                [],
            )
            .map_err(&err)?;
        self.conn.execute_batch("COMMIT").map_err(&err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::test_support::minimal_form as form;

    fn count(path: &Path, sql: &str) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_run_that_does_not_finish_leaves_the_previous_database() {
        let dir = crate::test_support::fresh_dir("sqlite-unit");
        let db = dir.join("jixiao.sqlite");
        let _ = std::fs::remove_file(&db);

        let sink = Box::new(SqliteSink::open(&db).unwrap());
        sink.write_form(&form("aaaa", "a.txt")).unwrap();
        sink.finish(&Summary::default()).unwrap();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM forms"), 1);

        // A second run fails (or is killed) after writing a form: nothing of it stays.
        let sink = Box::new(SqliteSink::open(&db).unwrap());
        sink.write_form(&form("bbbb", "b.txt")).unwrap();
        drop(sink);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM forms"), 1);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM forms WHERE form_id = 'aaaa'"),
            1
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_schema_version_is_refused() {
        let dir = crate::test_support::fresh_dir("sqlite-ver");
        let db = dir.join("jixiao.sqlite");
        let _ = std::fs::remove_file(&db);
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema_version', '99');",
        )
        .unwrap();
        drop(conn);
        let err = SqliteSink::open(&db).err().expect("refused");
        assert!(err.to_string().contains("schema version 99"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn indicator_texts_become_numbers_only_in_numeric_columns() {
        assert_eq!(from_text("2024".into(), "year"), SqlValue::Integer(2024));
        assert_eq!(
            from_text("95.5".into(), "annual_value"),
            SqlValue::Real(95.5)
        );
        assert_eq!(
            from_text("2024-12-31".into(), "annual_value"),
            SqlValue::Text("2024-12-31".into())
        );
        assert_eq!(
            from_text("inf".into(), "weight"),
            SqlValue::Text("inf".into())
        );
        assert_eq!(
            from_text("12".into(), "level3"),
            SqlValue::Text("12".into())
        );
        assert_eq!(from_text(String::new(), "level3"), SqlValue::Null);
    }
}
