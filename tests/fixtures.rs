//! Every fixture folder's input against its hand-checked `expected.json`, compared as
//! parsed JSON; and the facts of the Guangzhou form asserted directly in every one of its
//! renderings, so that a careless re-bless cannot hide a regression.

use serde_json::Value;

use crate::util::{fixture, jixiao, run};

/// Extracts one fixture with `jixiao extract <path> -o -` (path relative to the crate
/// root, so `source.path` is stable) and parses the document — for a file holding
/// several forms, the array of their documents.
fn extract(rel: &str) -> Value {
    let output = run(
        jixiao().args(["extract", &format!("fixtures/{rel}"), "-o", "-"]),
        0,
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{rel}: output is not one JSON value: {e}"))
}

/// Lists the JSON pointers where two documents differ (empty when equal).
fn differences(expected: &Value, got: &Value, at: &str, out: &mut Vec<String>) {
    match (expected, got) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let path = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(x, y, &path, out),
                    (x, y) => out.push(format!("{path}: expected {x:?}, got {y:?}")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{at}/{i}"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{at}: expected {a}, got {b}")),
    }
}

fn assert_same(expected: &Value, got: &Value, what: &str) {
    let mut diffs = Vec::new();
    differences(expected, got, "", &mut diffs);
    assert!(
        diffs.is_empty(),
        "{what} differs in {} places:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

fn check_expected(case: &str, input: &str) {
    let got = extract(&format!("{case}/{input}"));
    let path = fixture(&format!("{case}/expected.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expected: Value = serde_json::from_str(&text).expect("expected.json parses");
    assert_same(&expected, &got, case);
}

macro_rules! fixture_tests {
    ($list:ident; $($name:ident: $case:literal / $input:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_expected($case, $input);
            }
        )*
        /// The cases of this list, by (case, input).
        #[allow(dead_code)]
        const $list: &[(&str, &str)] = &[$(($case, $input)),*];
    };
}

// Every rendering of the Guangzhou form: each must give the same document.
fixture_tests! {
    RENDERINGS;
    guangzhou_2024_text: "guangzhou-2024-text" / "input.txt",
    guangzhou_2024_gb18030: "guangzhou-2024-gb18030" / "input.txt",
    guangzhou_2024_utf16: "guangzhou-2024-utf16" / "input.txt",
    guangzhou_2024_csv: "guangzhou-2024-csv" / "input.csv",
    guangzhou_2024_xlsx: "guangzhou-2024-xlsx" / "input.xlsx",
    guangzhou_2024_docx: "guangzhou-2024-docx" / "input.docx",
    guangzhou_2024_html: "guangzhou-2024-html" / "input.html",
    guangzhou_2024_xls: "guangzhou-2024-xls" / "input.xls",
    guangzhou_2024_ods: "guangzhou-2024-ods" / "input.ods",
    guangzhou_2024_excel_xml: "guangzhou-2024-excel-xml" / "input.xml",
    guangzhou_2024_word_xml: "guangzhou-2024-word-xml" / "input.xml",
    guangzhou_2024_mht: "guangzhou-2024-mht" / "input.mht",
}

// Template variants: project forms, county templates, several forms in one file
// (one per sheet, or one after another in a document), labels wrapped over two lines,
// two column groups under a two-row header, columns in another order, and forms
// jixiao recognises but does not read. The workbooks and documents come from
// examples/common/variants.rs (scripts/make-fixtures).
fixture_tests! {
    VARIANTS;
    project_infrastructure_text: "project-infrastructure-text" / "input.txt",
    county_template_text: "county-template-text" / "input.txt",
    two_forms_text: "two-forms-text" / "input.txt",
    self_evaluation_text: "self-evaluation-text" / "input.txt",
    goals_prose_text: "goals-prose-text" / "input.txt",
    sheets_per_form_xlsx: "sheets-per-form-xlsx" / "input.xlsx",
    two_forms_docx: "two-forms-docx" / "input.docx",
    two_row_header_xlsx: "two-row-header-xlsx" / "input.xlsx",
    two_row_header_docx: "two-row-header-docx" / "input.docx",
    columns_reordered_docx: "columns-reordered-docx" / "input.docx",
    main_tasks_template_text: "main-tasks-template-text" / "input.txt",
    project_application_text: "project-application-text" / "input.txt",
    project_last_year_text: "project-last-year-text" / "input.txt",
    older_template_html: "older-template-html" / "input.html",
}

/// The document without what necessarily differs between renderings of one form: the
/// source, the id (a hash of the bytes) and every location.
fn format_free(mut doc: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("at");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let map = doc.as_object_mut().expect("a document is an object");
    map.remove("source");
    map.remove("form_id");
    strip(&mut doc);
    doc
}

#[test]
fn all_renderings_give_the_same_document() {
    let (first_case, first_input) = RENDERINGS[0];
    let reference = format_free(extract(&format!("{first_case}/{first_input}")));
    for (case, input) in &RENDERINGS[1..] {
        let doc = format_free(extract(&format!("{case}/{input}")));
        assert_same(&reference, &doc, &format!("{case} against {first_case}"));
    }
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn guangzhou_facts_hold_in_every_rendering() {
    for (case, input) in RENDERINGS {
        let doc = extract(&format!("{case}/{input}"));
        let ctx = format!("{case}/{input}");
        assert_eq!(doc["department"], "广州市司法局", "{ctx}");
        assert_eq!(doc["year"], 2024, "{ctx}");
        assert_eq!(doc["form_kind"], "department_overall", "{ctx}");
        assert_eq!(
            doc["unmapped"].as_array().unwrap().len(),
            0,
            "{ctx}: {}",
            doc["unmapped"]
        );

        let budget = doc["budget"].as_array().unwrap();
        assert_eq!(budget.len(), 8, "{ctx}");
        let amount = |key: &str| {
            number(&budget.iter().find(|l| l["key"] == key).unwrap()["amount"]["value"])
        };
        assert_eq!(amount("basic_expenditure"), 153069.97, "{ctx}");
        assert_eq!(amount("other_funds"), 40.42, "{ctx}");
        assert_eq!(amount("special_fiscal_funds"), 0.0, "{ctx}");

        let mismatch = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["code"] == "budget.sum_mismatch"
                    && f["message"].as_str().unwrap().contains("按预算级次划分")
            })
            .unwrap_or_else(|| {
                panic!(
                    "{ctx}: no sum mismatch against 按预算级次划分: {}",
                    doc["findings"]
                )
            });
        assert_eq!(mismatch["severity"], "warning");
        let message = mismatch["message"].as_str().unwrap();
        for figure in ["183,374.03", "183,333.61", "40.42"] {
            assert!(message.contains(figure), "{ctx}: {message} lacks {figure}");
        }

        let tasks = doc["tasks"].as_array().unwrap();
        assert_eq!(
            tasks.len(),
            4,
            "{ctx}: the tasks after the page break are data"
        );
        assert_eq!(tasks[2]["name"], "持续深化法治政府建设", "{ctx}");
        assert_eq!(tasks[2]["seq"], 3, "{ctx}");
        assert_eq!(number(&tasks[0]["funds"]["value"]), 9725.0, "{ctx}");

        let indicators = doc["indicators"].as_array().unwrap();
        assert_eq!(
            indicators.len(),
            18,
            "{ctx}: category rows without 三级指标 yield none"
        );
        let by_name = |name: &str| indicators.iter().find(|i| i["level3"] == name).unwrap();
        let filled = by_name("公证案件办结率");
        assert_eq!(
            (filled["level1"].as_str(), filled["level2"].as_str()),
            (Some("绩效指标"), Some("质量指标")),
            "{ctx}"
        );
        assert_eq!(filled["category"], "output.quality", "{ctx}");
        let last = indicators.last().unwrap();
        assert_eq!(last["category"], "satisfaction", "{ctx}");

        let cases = by_name("行政复议案件数量");
        assert_eq!(cases["annual"]["op"], ">=", "{ctx}");
        assert_eq!(cases["annual"]["value"], 3000, "{ctx}");
        assert_eq!(cases["annual"]["unit"], "件", "{ctx}");
        let rate = by_name("社区矫正对象再犯罪率");
        assert_eq!(
            (
                rate["annual"]["op"].as_str(),
                number(&rate["annual"]["value"])
            ),
            (Some("<"), 0.2),
            "{ctx}"
        );
        let seats = &by_name("法律职业资格证书机位数量达到配备比例。")["annual"];
        assert_eq!(seats["kind"], "compound", "{ctx}");
        let parts = seats["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "{ctx}");
        assert_eq!(
            (number(&parts[0]["value"]), number(&parts[1]["value"])),
            (105.0, 110.0),
            "{ctx}"
        );
        let videos = &by_name("在广州普法抖音、快手、视频号等全媒体平台推送量")["annual"];
        assert_eq!(
            (
                videos["kind"].as_str(),
                number(&videos["value"]),
                videos["unit"].as_str()
            ),
            (Some("quantity"), 148.0, Some("期")),
            "{ctx}"
        );
        assert_eq!(
            by_name("全市法律顾问覆盖村（社区）数量")["annual"]["kind"],
            "text",
            "{ctx}"
        );
    }
}

/// The facts each binary variant fixture exists to show, asserted directly.
#[test]
fn variant_facts_hold() {
    let texts = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].as_str().unwrap_or("").to_string())
            .collect()
    };
    for (case, input) in VARIANTS.iter().filter(|(_, i)| !i.ends_with(".txt")) {
        let doc = extract(&format!("{case}/{input}"));
        for form in doc.as_array().cloned().unwrap_or_else(|| vec![doc.clone()]) {
            assert_eq!(
                form["unmapped"].as_array().unwrap().len(),
                0,
                "{case}: every cell understood: {}",
                form["unmapped"]
            );
        }
    }

    // One form per sheet, each located on its own sheet; the second sheet's labels
    // are wrapped (部门\n名称, 一级\n指标, 本年度\n绩效指标) and still read.
    let sheets = extract("sheets-per-form-xlsx/input.xlsx");
    let forms = sheets.as_array().expect("two documents");
    assert_eq!(
        texts(&sheets, "department"),
        ["广州市文化广电旅游局", "广州市体育局"]
    );
    assert_eq!(
        forms[1]["form_id"],
        format!("{}-2", forms[0]["form_id"].as_str().unwrap())
    );
    for (form, sheet) in forms.iter().zip(["'市文化广电旅游局'!", "'市体育局'!"]) {
        assert_eq!(form["indicators"].as_array().unwrap().len(), 9);
        assert_eq!(form["budget"].as_array().unwrap().len(), 8);
        for at in texts(&form["indicators"], "at")
            .iter()
            .chain(&texts(&form["budget"], "at"))
        {
            assert!(at.starts_with(sheet), "{at} is not on {sheet}");
        }
    }
    assert_eq!(forms[1]["indicators"][0]["level1"], "产出指标");
    assert_eq!(forms[1]["tasks"][0]["funds"]["value"], 18500.0);

    // Two forms in one document, each its own tables; labels split over paragraphs
    // (绩\n效\n指\n标, 项目资金\n（万元）) and <w:br/> (年度\n目标) are labels.
    let docs = extract("two-forms-docx/input.docx");
    let forms = docs.as_array().expect("two documents");
    assert_eq!(
        texts(&docs, "title"),
        ["项目支出绩效目标表", "项目支出绩效目标表"]
    );
    assert_eq!(
        forms[1]["project"]["name"],
        "公共体育场馆免费低收费开放补助资金"
    );
    assert_eq!(forms[1]["project"]["period"], "3年");
    assert!(forms[1]["annual_goal"]
        .as_str()
        .unwrap()
        .starts_with("保障区体育中心"));
    assert_eq!(forms[0]["budget"][0]["group"], "项目资金（万元）");
    assert_eq!(forms[0]["budget"][0]["key"], "total");
    assert!(texts(&forms[1]["indicators"], "at")
        .iter()
        .all(|at| at.starts_with("table 2 ")));

    // Two column groups: both values land; a differing period name is kept in extra.
    let grid = extract("two-row-header-xlsx/input.xlsx");
    let indicators = grid["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 8);
    assert_eq!(
        grid["overall_goal"],
        Value::Null,
        "the group row is no goal"
    );
    let both = &indicators[2];
    assert_eq!(
        (
            both["period"]["value"].as_f64(),
            both["annual"]["value"].as_f64()
        ),
        (Some(450.0), Some(400.0))
    );
    assert_eq!(indicators[1]["level3"], "当年建成五大中心的县级医院数量");
    assert_eq!(
        indicators[1]["extra"]["实施期目标/三级指标"],
        "建成五大中心的县级医院数量"
    );
    assert_eq!(indicators[3]["annual"], Value::Null);
    assert_eq!(indicators[6]["period"], Value::Null);

    // Levels repeated per group (二级指标 | 指标内容 | 指标值 under each), in DOCX.
    let grid = extract("two-row-header-docx/input.docx");
    let mixed = &grid["indicators"][4];
    assert_eq!(
        (mixed["level1"].as_str(), mixed["level2"].as_str()),
        (Some("效益指标"), Some("社会效益指标"))
    );
    assert_eq!(
        mixed["extra"]["中期目标（2025年-2027年）/二级指标"],
        "生态效益指标"
    );
    assert_eq!(grid["indicators"][1]["period"]["value"], 3000);
    assert_eq!(grid["indicators"][1]["annual"]["value"], 1000);

    // Columns in another order land in the same fields.
    let reordered = extract("columns-reordered-docx/input.docx");
    let first = &reordered["indicators"][0];
    assert_eq!(
        (
            first["level1"].as_str(),
            first["level2"].as_str(),
            first["level3"].as_str()
        ),
        (
            Some("产出指标"),
            Some("数量指标"),
            Some("新增公办中小学学位")
        )
    );
    assert_eq!(first["period"]["value"], 24000);
    assert_eq!(first["annual"]["value"], 8000);
    let task = &reordered["tasks"][0];
    assert!(task["content"].as_str().unwrap().starts_with("推进桂城"));
    assert!(task["goal"]
        .as_str()
        .unwrap()
        .starts_with("新增公办中小学学位"));
    assert_eq!(task["funds"]["value"], 28600.0);

    // The older template's words: 部门（单位）名称, 年度主要任务 (任务名称 | 主要内容 |
    // 预算金额), 年度预算申请 (labels over their amounts), 年度总体目标.
    let older = extract("main-tasks-template-text/input.txt");
    assert_eq!(older["department"], "佛山市教育局");
    assert_eq!(
        older["budget"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| (
                line["key"].as_str().unwrap(),
                number(&line["amount"]["value"])
            ))
            .collect::<Vec<_>>(),
        [
            ("total", 52300.0),
            ("fiscal_appropriation", 50100.0),
            ("other_funds", 2200.0)
        ]
    );
    assert_eq!(
        texts(&older["tasks"], "name"),
        ["义务教育均衡发展", "教师队伍建设", "学生资助"]
    );
    assert_eq!(number(&older["tasks"][2]["funds"]["value"]), 1650.5);
    assert!(older["annual_goal"]
        .as_str()
        .unwrap()
        .starts_with("目标1："));
    assert_eq!(older["indicators"].as_array().unwrap().len(), 8);
    // Every section found: no section.missing, nothing left unmapped.
    assert_eq!(older["findings"], Value::Array(Vec::new()));
    assert_eq!(older["unmapped"], Value::Array(Vec::new()));

    // A county project form: `label：amount` cells, sources the keys do not name among
    // them (自有资金, 事业收入: kept without a key, so 资金总额 adds up), 长期目标 |
    // 年度目标 under 项目绩效目标 with the texts below, and a sentence with a number in
    // it (覆盖全县农村学生8000人) read as the goal it is, not as an amount.
    let project = extract("project-application-text/input.txt");
    let lines: Vec<(String, Option<String>, f64)> = project["budget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["label"].as_str().unwrap().to_string(),
                line["key"].as_str().map(String::from),
                number(&line["amount"]["value"]),
            )
        })
        .collect();
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(lines[2], ("自有资金".to_string(), None, 30.0));
    let parts: f64 = lines[1..].iter().map(|(_, _, amount)| amount).sum();
    assert_eq!((lines[0].2, parts), (500.0, 500.0));
    assert_eq!(project["period_goal"], "全面改善农村学生营养状况");
    assert_eq!(project["annual_goal"], "覆盖全县农村学生8000人");
    assert_eq!(project["project"]["period"], "2016年1月-2016年12月");
    assert_eq!(project["findings"], Value::Array(Vec::new()));
    assert_eq!(project["unmapped"], Value::Array(Vec::new()));

    // Last year's figures beside this year's, in a table by source and one by item:
    // this year's lines have the keys, last year's keep their column's header as group
    // and no key; the indicators' 本年度计划水平 is the annual target, 上年度实际水平 kept
    // in extra.
    let last_year = extract("project-last-year-text/input.txt");
    let keyed: Vec<(String, String, f64)> = last_year["budget"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| !line["key"].is_null())
        .map(|line| {
            (
                line["group"].as_str().unwrap().to_string(),
                line["key"].as_str().unwrap().to_string(),
                number(&line["amount"]["value"]),
            )
        })
        .collect();
    let keyed: Vec<(&str, &str, f64)> = keyed
        .iter()
        .map(|(g, k, v)| (g.as_str(), k.as_str(), *v))
        .collect();
    assert_eq!(
        keyed,
        [
            ("资金来源（万元）", "total", 1000.0),
            ("资金来源（万元）", "fiscal_appropriation", 900.0),
            ("资金来源（万元）", "other_funds", 0.0),
            ("项目支出内容及明细预算（万元）", "total", 1000.0),
        ]
    );
    let groups: Vec<String> = texts(&last_year["budget"], "group");
    assert_eq!(
        groups.iter().filter(|g| *g == "上年度预算安排").count(),
        7,
        "{groups:?}"
    );
    // The item table's 资金测算依据及说明 column gives this year's lines their notes.
    let notes: Vec<(String, String)> = last_year["budget"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| {
            Some((
                line["label"].as_str()?.to_string(),
                line["note"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(
        notes,
        [
            (
                "1.道路修补".to_string(),
                "按修补面积每平方米120元测算".to_string()
            ),
            (
                "2.路灯更换".to_string(),
                "按更换数量每盏4000元测算".to_string()
            )
        ]
    );
    assert_eq!(last_year["unmapped"], Value::Array(Vec::new()));
    let first = &last_year["indicators"][0];
    assert_eq!(first["annual"]["value"], 20);
    assert_eq!(first["extra"]["上年度实际水平"], "18公里");
    assert_eq!(last_year["findings"], Value::Array(Vec::new()));

    // The older template as a page with its cells merged (rowspan, colspan): group
    // headers over the budget's labels, 预算金额 split under the tasks' header, a
    // 金额合计 row, an empty 成本指标 row.
    let older = extract("older-template-html/input.html");
    let groups: Vec<String> = texts(&older["budget"], "group");
    assert_eq!(
        groups,
        [
            "年度预算申请（万元）",
            "按收入性质分",
            "按收入性质分",
            "按收入性质分",
            "按支出性质分",
            "按支出性质分"
        ]
    );
    assert_eq!(
        older["tasks"][0]["extra"]["预算金额（万元）/财政拨款"],
        "11,000.00"
    );
    assert_eq!(older["details"]["年度主要任务/金额合计"], "12,800.00");
    assert_eq!(older["indicators"].as_array().unwrap().len(), 4);
    assert_eq!(
        older["findings"][0]["code"], "indicators.category_empty",
        "{}",
        older["findings"]
    );
    assert_eq!(older["findings"].as_array().unwrap().len(), 1);
    assert_eq!(older["unmapped"], Value::Array(Vec::new()));
}
