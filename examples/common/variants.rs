//! The template-variant fixtures that need a workbook or a document: forms laid out
//! unlike the seed, written as [`super::grid`] tables (merges marked in the cells they
//! cover) and rendered by it. Each function returns the fixture's path under
//! `fixtures/` and its bytes; `examples/make_fixtures.rs` writes or checks them.
//!
//! The forms are modelled on published ones (Guangzhou department forms, Anhui county
//! project forms, Guangdong provincial project forms); the departments are real, the
//! figures and wording made up in the style officials write them.

use anyhow::Result;

use super::grid::{self, Block, Table, BR, LEFT as L, UP as U};

/// Every variant fixture, as (path under `fixtures/`, bytes).
pub fn all() -> Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        ("sheets-per-form-xlsx/input.xlsx", sheets_per_form_xlsx()?),
        ("two-forms-docx/input.docx", two_forms_docx()?),
        ("two-row-header-xlsx/input.xlsx", two_row_header_xlsx()?),
        ("two-row-header-docx/input.docx", two_row_header_docx()?),
        (
            "columns-reordered-docx/input.docx",
            columns_reordered_docx()?,
        ),
    ])
}

/// A finance bureau's workbook of two department forms, one per sheet named after the
/// department. The first sheet is the Guangzhou template as is; the second wraps its
/// labels over two lines (Alt+Enter: `部门\n名称`, `一级\n指标`) and puts a
/// `本年度\n绩效指标` label merged down beside the indicator grid.
pub fn sheets_per_form_xlsx() -> Result<Vec<u8>> {
    let money = "预算金额(万元)";
    let mut culture = Table::new("市文化广电旅游局", &[14.0, 22.0, 48.0, 18.0, 48.0]);
    culture
        .row(&["广州市文化广电旅游局2025年部门整体预算绩效目标申报表", L, L, L, L])
        .row(&["部门名称", "广州市文化广电旅游局", L, L, L])
        .row(&["预算整体情况", "部门预算支出", money, "收入来源", money])
        .row(&[U, "基本支出", "21,356.42", "财政拨款", "86,210.35"])
        .row(&[U, "项目支出", "58,053.93", "其他资金", "2,000.00"])
        .row(&[U, "事业发展性支出", money, "按预算级次划分", money])
        .row(&[U, "财政专项资金", "0.00", "市本级使用资金", "80,410.35"])
        .row(&[U, "其他事业发展性支出", "8,800.00", "拟用于对下转移支付资金", "7,800.00"])
        .row(&[
            "总体绩效目标",
            "围绕建设世界级旅游目的地和文化强市，健全现代公共文化服务体系，加强文物保护利用和非遗传承，推动文商旅体融合发展，让市民群众共享更加丰富优质的文化生活。",
            L,
            L,
            L,
        ])
        .row(&[
            "年度重点工作任务",
            "名称",
            "主要实施内容",
            "拟投入的资金(万元)",
            "期望达到的目标(概述)",
        ])
        .row(&[
            U,
            "推进公共文化服务体系建设",
            "一是推进区级文化馆、图书馆总分馆制建设，新建“粤书吧”等新型公共文化空间20个；二是组织开展“文化惠民”系列活动，办好广州艺术节、市民文化节。",
            "6,350.00",
            "全市公共文化设施免费开放，年度举办群众文化活动不少于3000场次，服务群众不低于800万人次。",
        ])
        .row(&[
            U,
            "加强文物保护利用和非遗传承",
            "一是推进南越国宫署遗址等重点文物保护工程；二是开展第四批市级非物质文化遗产代表性项目认定。",
            "2,180.00",
            "完成重点文物保护修缮项目8项，非遗代表性传承人年度履职评估全覆盖。",
        ])
        .row(&[
            U,
            "促进文商旅融合发展",
            "举办广州国际旅游展览会、“广州过年 花城看花”等品牌节庆活动，开展入境旅游宣传推广。",
            "1,520.00",
            "全年接待游客人次同比增长5%以上，旅游业总收入稳步增长。",
        ])
        .row(&["其他需完成的任务（可选项）", "", L, L, L])
        .row(&["一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值"])
        .row(&["绩效指标", "数量指标", "举办群众文化活动场次", "≥15000场次", "不少于3000场次"])
        .row(&[U, U, "新建新型公共文化空间", "100个", "20个"])
        .row(&[U, U, "完成重点文物保护修缮项目", "40项", "8项"])
        .row(&[U, "质量指标", "公共文化设施免费开放率", "100%", "100%"])
        .row(&[U, U, "非遗代表性传承人履职评估", "全覆盖", "全覆盖"])
        .row(&[U, "时效指标", "重点文物保护工程按期完工率", "≥95%", "≥95%"])
        .row(&["效益指标", "社会效益指标", "公共文化场馆服务人次", "≥4000万人次", "不低于800万人次"])
        .row(&[U, "经济效益指标", "旅游业总收入增长率", "≥5%", "≥5%"])
        .row(&["满意度指标", "服务对象满意度指标", "群众对公共文化服务满意度", "≥90%", "≥90%"]);

    let money = "预算金额\n(万元)";
    let mut sport = Table::new("市体育局", &[12.0, 14.0, 20.0, 40.0, 18.0, 40.0]);
    sport
        .row(&["广州市体育局2025年部门整体预算绩效目标申报表", L, L, L, L, L])
        .row(&["部门\n名称", "广州市体育局", L, L, L, L])
        .row(&["预算整体\n情况", "部门预算支出", money, L, "收入来源", money])
        .row(&[U, "基本支出", "9,862.15", L, "财政拨款", "34,892.15"])
        .row(&[U, "项目支出", "24,630.00", L, "其他资金", "800.00"])
        .row(&[U, "事业发展性支出", money, L, "按预算级次划分", money])
        .row(&[U, "财政专项资金", "0.00", L, "市本级使用资金", "32,692.15"])
        .row(&[U, "其他事业发展性支出", "1,200.00", L, "拟用于对下转移支付资金", "3,000.00"])
        .row(&[
            "总体绩效\n目标",
            "围绕建设国际体育名城，构建更高水平的全民健身公共服务体系，提升竞技体育综合实力，高质量办好第十五届全国运动会广州赛区赛事，推动体育产业高质量发展。",
            L,
            L,
            L,
            L,
        ])
        .row(&[
            "年度重点\n工作任务",
            "名称",
            "主要实施内容",
            L,
            "拟投入的资金\n(万元)",
            "期望达到的目标\n(概述)",
        ])
        .row(&[
            U,
            "办好第十五届全运会广州赛区赛事",
            "做好场馆改造提升、赛事组织、志愿服务和安保保障，完成测试赛及正式比赛各项筹办任务。",
            L,
            "18,500.00",
            "高标准完成赛区各项赛事组织任务，实现安全“零事故”。",
        ])
        .row(&[
            U,
            "深化全民健身公共服务",
            "新建改建社区体育公园、健身路径，推进学校体育场地向社会开放，举办全民健身系列赛事。",
            L,
            "4,630.00",
            "新增社区体育公园10个，经常参加体育锻炼人数比例达到45%。",
        ])
        .row(&[
            U,
            "提升竞技体育后备人才培养水平",
            "加强市级体育后备人才训练基地建设，完善“市队区办”培养机制。",
            L,
            "1,500.00",
            "在省运会等重大赛事中保持全省领先。",
        ])
        .row(&[
            "本年度\n绩效指标",
            "一级\n指标",
            "二级\n指标",
            "三级\n指标",
            "实施周期\n指标值",
            "年度\n指标值",
        ])
        .row(&[U, "产出指标", "数量指标", "新建社区体育公园数量", "≥40个", "≥10个"])
        .row(&[U, U, U, "举办全民健身赛事活动", "不少于1200场", "不少于300场"])
        .row(&[U, U, U, "全运会广州赛区承办比赛项目", "16项", "16项"])
        .row(&[U, U, "质量指标", "赛事组织安全事故发生率", "0", "0"])
        .row(&[U, U, U, "国民体质监测合格率", "≥93%", "≥92.5%"])
        .row(&[U, U, "时效指标", "全运会场馆改造完成时间", "2025年6月30日前", "2025年6月30日前"])
        .row(&[U, U, "成本指标", "", "", ""])
        .row(&[U, "效益指标", "社会效益指标", "经常参加体育锻炼人数比例", "≥46%", "≥45%"])
        .row(&[U, U, "可持续影响指标", "每千人拥有社会体育指导员数", "≥4.5名", "≥4名"])
        .row(&[U, "满意度指标", "服务对象满意度指标", "市民对全民健身公共服务满意度", "≥90%", "≥90%"]);
    grid::xlsx(&[culture, sport])
}

/// One county project form (Anhui's 项目支出绩效目标表): title, year and filer as
/// paragraphs, the rest one table whose labels are split over lines as Word users
/// type them: `项目资金` / `（万元）` and `绩`/`效`/`指`/`标` as separate paragraphs,
/// `年度<w:br/>目标` and `一级<w:br/>指标` as breaks inside one paragraph.
fn county_project(
    name: &str,
    unit: &str,
    source: &str,
    period: &str,
    amount: &str,
    goal: &str,
    indicators: &[[&str; 4]],
) -> Vec<Block> {
    let mut table = Table::new("", &[8.0, 10.0, 14.0, 30.0, 24.0]);
    let annual_goal = format!("年度{BR}目标");
    let level1 = format!("一级{BR}指标");
    table
        .row(&["项目名称", name, L, L, L])
        .row(&[
            "主管部门",
            "六安市裕安区文化旅游体育局",
            L,
            "实施单位",
            unit,
        ])
        .row(&["项目来源", source, L, "项目期", period])
        .row(&["项目资金\n（万元）", "年度资金总额：", L, amount, L])
        .row(&[U, "其中：财政拨款", L, amount, L])
        .row(&[U, "其他资金", L, "0.00", L])
        .row(&[&annual_goal, goal, L, L, L])
        .row(&["绩\n效\n指\n标", &level1, "二级指标", "三级指标", "指标值"]);
    for row in indicators {
        table.row(&[U, row[0], row[1], row[2], row[3]]);
    }
    vec![
        Block::Para {
            text: "项目支出绩效目标表".into(),
            centered: true,
        },
        Block::Para {
            text: "（2025年度）".into(),
            centered: false,
        },
        Block::Para {
            text: "填报单位（盖章）：六安市裕安区文化旅游体育局".into(),
            centered: false,
        },
        Block::Table(table),
    ]
}

/// Two project forms of one county bureau in one document, the second after a page
/// break: each title and its table must become a document of its own.
pub fn two_forms_docx() -> Result<Vec<u8>> {
    let mut blocks = county_project(
        "2025年全民健身赛事活动经费",
        "六安市裕安区全民健身服务中心",
        "本级申报项目",
        "1年",
        "180.00",
        "举办区级全民健身赛事活动不少于30场，带动参与群众2万人次以上，推动“体育+文旅”融合发展，提升群众健身获得感。",
        &[
            ["产出指标", "数量指标", "举办区级全民健身赛事活动场次", "≥30场"],
            [U, U, "参赛运动员人次", "不少于5000人次"],
            [U, "质量指标", "赛事活动安全事故发生率", "0"],
            [U, "时效指标", "赛事活动完成时间", "2025年12月31日前"],
            [U, "成本指标", "单场赛事平均补助标准", "≤6万元"],
            ["效益指标", "社会效益指标", "带动群众参与健身人次", "≥2万人次"],
            [U, "经济效益指标", "带动体育消费", "≥300万元"],
            ["满意度指标", "服务对象满意度指标", "参赛群众满意度", "≥95%"],
        ],
    );
    blocks.push(Block::PageBreak);
    blocks.extend(county_project(
        "公共体育场馆免费低收费开放补助资金",
        "六安市裕安区体育中心",
        "上级转移支付项目",
        "3年",
        "96.00",
        "保障区体育中心体育馆、游泳馆、全民健身中心全年免费或低收费向社会开放，年服务群众不低于25万人次。",
        &[
            ["产出指标", "数量指标", "免费低收费开放场馆数量", "3个"],
            [U, U, "年开放服务人次", "不低于25万人次"],
            [U, "质量指标", "场馆每周开放时长", "≥35小时"],
            [U, "时效指标", "补助资金拨付时间", "2025年11月底前"],
            ["效益指标", "社会效益指标", "公共体育场馆使用率", "较上年提高"],
            [U, "可持续影响指标", "场馆开放长效机制", "长期"],
            ["满意度指标", "服务对象满意度指标", "健身群众满意度", "≥90%"],
        ],
    ));
    grid::docx(&blocks)
}

/// A provincial project form whose indicator grid has a two-row header: 实施期目标 and
/// 年度目标 each span a 三级指标 and a 指标值 column, under which every row gives the
/// long-term and the annual target side by side — the same indicator on both sides,
/// or a different one (a period-only and an annual-only row included).
pub fn two_row_header_xlsx() -> Result<Vec<u8>> {
    let mut sheet = Table::new(
        "绩效目标申报表",
        &[10.0, 10.0, 14.0, 28.0, 16.0, 28.0, 16.0],
    );
    sheet
        .row(&["2025年度省级财政项目支出绩效目标申报表", L, L, L, L, L, L])
        .row(&["单位：万元", L, L, L, L, L, L])
        .row(&["项目名称", "粤东粤西粤北地区县级医院服务能力提升项目", L, L, "主管部门", "广东省卫生健康委员会", L])
        .row(&["实施单位", "有关地级以上市卫生健康局", L, L, "项目实施期", "2024年-2026年", L])
        .row(&["项目负责人及电话", "陈立新 020-83827812", L, L, "项目属性", "延续项目", L])
        .row(&["资金情况\n（万元）", "年度资金总额", L, "其中：财政拨款", L, "其他资金", L])
        .row(&[U, "12,600.00", L, "12,600.00", L, "0.00", L])
        .row(&["总体目标", "实施期目标", L, L, "年度目标", L, L])
        .row(&[
            U,
            "到2026年，支持粤东粤西粤北地区30家县级医院完成胸痛、卒中、创伤、危重孕产妇救治、危重儿童和新生儿救治五大中心建设，县域内住院量占比达到90%，基本实现“大病不出县”。",
            L,
            L,
            "2025年支持10家县级医院完成五大中心建设，县级医院能开展的手术病种达到400种以上，县域内住院量占比达到88%。",
            L,
            L,
        ])
        .row(&["绩效指标", "一级指标", "二级指标", "实施期目标", L, "年度目标", L])
        .row(&[U, U, U, "三级指标", "指标值", "三级指标", "指标值"])
        .row(&[U, "产出指标", "数量指标", "支持县级医院数量", "30家", "支持县级医院数量", "10家"])
        .row(&[U, U, U, "建成五大中心的县级医院数量", "30家", "当年建成五大中心的县级医院数量", "10家"])
        .row(&[U, U, "质量指标", "县级医院能开展的手术病种数", "≥450种", "县级医院能开展的手术病种数", "≥400种"])
        .row(&[U, U, U, "县级医院达到服务能力推荐标准比例", "≥85%", "", ""])
        .row(&[U, U, "时效指标", "项目完成时间", "2026年12月31日前", "年度任务完成时间", "2025年12月31日前"])
        .row(&[U, "效益指标", "社会效益指标", "县域内住院量占比", "≥90%", "县域内住院量占比", "≥88%"])
        .row(&[U, U, U, "", "", "基层首诊患者转诊等待时间", "≤3天"])
        .row(&[U, "满意度指标", "服务对象满意度指标", "住院患者满意度", "≥90%", "住院患者满意度", "≥90%"])
        .row(&["填报单位（盖章）：广东省卫生健康委员会", L, L, L, "填报日期：2024年9月20日", L, L]);
    grid::xlsx(&[sheet])
}

/// A ministry project form whose two column groups repeat the levels: 一级指标 is
/// shared (merged down over both header rows), and under each of 中期目标 and 年度目标
/// stand 二级指标 | 指标内容 | 指标值. One row pairs indicators of different level-2
/// categories; level-2 cells merge down per group.
pub fn two_row_header_docx() -> Result<Vec<u8>> {
    let period = "中期目标（2025年-2027年）";
    let mut table = Table::new("", &[6.0, 8.0, 10.0, 20.0, 12.0, 10.0, 20.0, 12.0]);
    table
        .row(&["项目名称", "长江流域重点水域禁捕执法监管", L, L, L, L, L, L])
        .row(&["主管部门", "农业农村部", L, L, "实施单位", "农业农村部长江流域渔政监督管理办公室", L, L])
        .row(&["项目属性", "延续项目", L, L, "项目期", "2025年-2027年", L, L])
        .row(&["项目资金（万元）", "年度资金总额：8,650.00", L, L, "其中：财政拨款：8,650.00", L, "其他资金：0", L])
        .row(&["总体目标", period, L, L, L, "年度目标", L, L])
        .row(&[
            U,
            "巩固长江十年禁渔成效，重点水域非法捕捞高发势头得到根本遏制，水生生物资源逐步恢复。",
            L,
            L,
            L,
            "开展禁捕执法巡查不少于6万人次，查办非法捕捞案件1000件以上，退捕渔民转产就业帮扶动态清零。",
            L,
            L,
        ])
        .row(&["绩效指标", "一级指标", period, L, L, "年度目标", L, L])
        .row(&[U, U, "二级指标", "指标内容", "指标值", "二级指标", "指标内容", "指标值"])
        .row(&[U, "产出指标", "数量指标", "开展禁捕执法巡查", "≥18万人次", "数量指标", "开展禁捕执法巡查", "≥6万人次"])
        .row(&[U, U, U, "查办非法捕捞案件", "≥3000件", U, "查办非法捕捞案件", "≥1000件"])
        .row(&[U, U, "质量指标", "重点水域禁捕执法监管覆盖率", "100%", "质量指标", "重点水域禁捕执法监管覆盖率", "100%"])
        .row(&[U, U, "时效指标", "三年行动目标完成时间", "2027年12月31日前", "时效指标", "年度执法行动完成时间", "2025年12月31日前"])
        .row(&[U, "效益指标", "生态效益指标", "长江干流水生生物完整性指数", "逐步提升", "社会效益指标", "退捕渔民转产就业帮扶", "动态清零"])
        .row(&[U, "满意度指标", "服务对象满意度指标", "沿江群众满意度", "≥90%", "服务对象满意度指标", "沿江群众满意度", "≥90%"]);
    grid::docx(&[
        Block::Para {
            text: "项目支出绩效目标申报表".into(),
            centered: true,
        },
        Block::Para {
            text: "（2025年度）".into(),
            centered: false,
        },
        Block::Table(table),
    ])
}

/// A department form whose columns are in another order than the template's: income
/// before expenditure in the budget, 拟投入的资金 and 期望达到的目标 before 主要实施内容
/// in the tasks, and the indicator grid as 三级指标 | 年度指标值 | 一级指标 | 二级指标 |
/// 实施周期指标值. Every column must still land in its field, found by its header.
pub fn columns_reordered_docx() -> Result<Vec<u8>> {
    let money = "预算金额(万元)";
    let mut form = Table::new("", &[10.0, 16.0, 12.0, 22.0, 30.0]);
    form.row(&["部门名称", "佛山市南海区教育局", L, L, L])
        .row(&["预算整体情况", "收入来源", money, "部门预算支出", money])
        .row(&[U, "财政拨款", "356,420.18", "基本支出", "298,765.30"])
        .row(&[U, "其他资金", "1,250.00", "项目支出", "54,904.88"])
        .row(&[U, "按预算级次划分", money, "事业发展性支出", money])
        .row(&[U, "区本级使用资金", "341,670.18", "财政专项资金", "0.00"])
        .row(&[U, "拟用于对下转移支付资金", "16,000.00", "其他事业发展性支出", "4,000.00"])
        .row(&[
            "总体绩效目标",
            "坚持教育优先发展，推进基础教育优质均衡发展，扩大公办优质学位供给，提升教育教学质量，办好人民满意的教育。",
            L,
            L,
            L,
        ])
        .row(&[
            "年度重点工作任务",
            "名称",
            "拟投入的资金(万元)",
            "期望达到的目标(概述)",
            "主要实施内容",
        ])
        .row(&[
            U,
            "扩大公办优质学位供给",
            "28,600.00",
            "新增公办中小学学位8000个，公办学位占比稳步提高。",
            "推进桂城、大沥等片区新建改扩建中小学12所，加快公办幼儿园建设。",
        ])
        .row(&[
            U,
            "提升教育教学质量",
            "3,200.00",
            "义务教育巩固率保持100%，教育质量稳步提升。",
            "实施“强师工程”，开展教师全员培训；深化集团化办学，推进智慧教育示范区建设。",
        ])
        .row(&[
            U,
            "落实学生资助政策",
            "1,850.00",
            "家庭经济困难学生资助全覆盖。",
            "落实学前教育至高中阶段学生资助政策，发放助学金、免除学杂费。",
        ])
        .row(&["其他需完成的任务（可选项）", "", L, L, L]);
    let mut grid_table = Table::new("", &[30.0, 14.0, 10.0, 16.0, 16.0]);
    grid_table
        .row(&[
            "三级指标",
            "年度指标值",
            "一级指标",
            "二级指标",
            "实施周期指标值",
        ])
        .row(&[
            "新增公办中小学学位",
            "≥8000个",
            "产出指标",
            "数量指标",
            "≥24000个",
        ])
        .row(&[
            "教师全员培训人次",
            "不少于1.2万人次",
            U,
            U,
            "不少于3.6万人次",
        ])
        .row(&["义务教育巩固率", "100%", U, "质量指标", "100%"])
        .row(&["新建改扩建学校按期开工率", "≥90%", U, "时效指标", "≥90%"])
        .row(&[
            "小学生均公用经费标准",
            "不低于1150元",
            U,
            "成本指标",
            "不低于1150元",
        ])
        .row(&["公办学位占比", "≥62%", "效益指标", "社会效益指标", "≥65%"])
        .row(&["家庭经济困难学生资助覆盖率", "100%", U, U, "100%"])
        .row(&[
            "学生及家长满意度",
            "≥90%",
            "满意度指标",
            "服务对象满意度指标",
            "≥90%",
        ]);
    grid::docx(&[
        Block::Para {
            text: "佛山市南海区教育局2025年部门整体预算绩效目标申报表".into(),
            centered: true,
        },
        Block::Table(form),
        Block::Para {
            text: "三、绩效指标".into(),
            centered: false,
        },
        Block::Table(grid_table),
    ])
}
