//! The words generated forms are made of: cities, bureaus and their lines of work,
//! indicator names by category with the kind of target officials write for each, and
//! the stock phrases of goals and tasks.
//!
//! No text here may start with a section label of the form (部门名称, 年度目标, 总体目标,
//! 重点工作任务…): an indicator name is the first non-empty cell of its row in text.

/// District-level zones found in most cities, for the departments of a corpus larger
/// than one per city bureau and year.
pub const DISTRICTS: &[&str] = &[
    "高新区",
    "经济开发区",
    "新区",
    "城区",
    "港区",
    "保税区",
    "东区",
    "西区",
    "南区",
    "北区",
];

/// Prefecture-level cities of Guangdong, used as folder names and department prefixes.
pub const CITIES: &[&str] = &[
    "广州市",
    "深圳市",
    "珠海市",
    "汕头市",
    "佛山市",
    "韶关市",
    "河源市",
    "梅州市",
    "惠州市",
    "汕尾市",
    "东莞市",
    "中山市",
    "江门市",
    "阳江市",
    "湛江市",
    "茂名市",
    "肇庆市",
    "清远市",
    "潮州市",
    "揭阳市",
    "云浮市",
];

/// A bureau: its name after the city, and three lines of its work.
pub struct Bureau {
    pub name: &'static str,
    pub topics: [&'static str; 3],
}

pub const BUREAUS: &[Bureau] = &[
    Bureau {
        name: "司法局",
        topics: ["法律援助", "人民调解", "普法宣传"],
    },
    Bureau {
        name: "教育局",
        topics: ["学位建设", "教师培训", "学生资助"],
    },
    Bureau {
        name: "卫生健康委员会",
        topics: ["基本公共卫生", "家庭医生签约", "疾病预防控制"],
    },
    Bureau {
        name: "财政局",
        topics: ["预算绩效管理", "政府采购监管", "国库集中支付"],
    },
    Bureau {
        name: "公安局",
        topics: ["治安防控", "交通安全管理", "反诈宣传"],
    },
    Bureau {
        name: "民政局",
        topics: ["养老服务", "社会救助", "婚姻登记"],
    },
    Bureau {
        name: "人力资源和社会保障局",
        topics: ["就业创业", "职业技能培训", "劳动保障监察"],
    },
    Bureau {
        name: "自然资源局",
        topics: ["国土空间规划", "不动产登记", "耕地保护"],
    },
    Bureau {
        name: "生态环境局",
        topics: ["大气污染防治", "水污染防治", "环境执法"],
    },
    Bureau {
        name: "住房和城乡建设局",
        topics: ["保障性住房", "老旧小区改造", "建筑安全监管"],
    },
    Bureau {
        name: "交通运输局",
        topics: ["公共交通", "农村公路养护", "道路运输管理"],
    },
    Bureau {
        name: "水务局",
        topics: ["河湖治理", "供水保障", "防汛抗旱"],
    },
    Bureau {
        name: "农业农村局",
        topics: ["高标准农田", "农产品质量安全", "乡村振兴"],
    },
    Bureau {
        name: "商务局",
        topics: ["招商引资", "外贸促进", "消费提振"],
    },
    Bureau {
        name: "文化广电旅游局",
        topics: ["公共文化服务", "文物保护", "旅游推广"],
    },
    Bureau {
        name: "应急管理局",
        topics: ["安全生产监管", "应急救援", "防灾减灾"],
    },
    Bureau {
        name: "市场监督管理局",
        topics: ["食品安全抽检", "特种设备监管", "知识产权保护"],
    },
    Bureau {
        name: "统计局",
        topics: ["统计调查", "经济普查", "统计执法"],
    },
    Bureau {
        name: "医疗保障局",
        topics: ["医保基金监管", "医保经办服务", "药品集中采购"],
    },
    Bureau {
        name: "城市管理和综合执法局",
        topics: ["市容环境整治", "生活垃圾分类", "城市照明"],
    },
    Bureau {
        name: "科学技术局",
        topics: ["科技创新平台", "高新技术企业培育", "科普宣传"],
    },
    Bureau {
        name: "工业和信息化局",
        topics: ["中小企业服务", "数字化转型", "节能监察"],
    },
    Bureau {
        name: "退役军人事务局",
        topics: ["退役军人安置", "优抚保障", "双拥共建"],
    },
    Bureau {
        name: "林业局",
        topics: ["森林防火", "造林绿化", "野生动植物保护"],
    },
];

/// The nine level-2 categories of the seed, in grid order, with their level-2 label.
pub const LEVEL2: [&str; 9] = [
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
];

/// How often each category is drawn for an indicator (same order as [`LEVEL2`]).
pub const CATEGORY_WEIGHTS: [u64; 9] = [40, 18, 9, 5, 4, 12, 3, 3, 6];

/// The kind of target written for an indicator.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// A count with its unit, drawn from `lo..=hi`: `≥3000件`, `15次`, `不少于20场`.
    Count(&'static str, u64, u64),
    /// A count written in Chinese numerals: `一百四十八期`, `不少于三十场`.
    ChineseCount(&'static str, u64, u64),
    /// A limit on a duration: `≤15天`, `不超过10天`, `20天以内`.
    Within(&'static str, u64, u64),
    /// A high percentage: `≥90%`, `99%`, `不低于95%`, `90%-95%`.
    Percent,
    /// A low percentage: `低于0.2%`, `≤5%`, `0%`.
    LowPercent,
    /// A bare score: `≥93`.
    Score,
    /// Money: `≤120万元`, `控制在85万元以内`.
    Money,
    /// A deadline in the form's year: `2024年12月31日前`.
    Deadline,
    /// Qualitative: `全覆盖`, `明显提升`.
    Text(&'static [&'static str]),
    /// Two targets in one cell: `线上…≥…105%；线下…≥…110%`-style.
    Compound,
    /// A count inside a sentence: `普法短视频148期，在抖音、快手、视频号等平台推送`.
    Sentence(&'static str),
}

pub const COVERAGE: &[&str] = &["全覆盖", "全面覆盖", "应保尽保"];
pub const BETTER: &[&str] = &["明显提升", "有效提升", "稳步提高", "持续改善", "逐步提高"];
pub const DONE: &[&str] = &["按时完成", "全面落实", "按计划推进", "有效落实"];
pub const LASTING: &[&str] = &["长期有效", "持续发挥作用", "逐步完善", "机制健全"];

/// Indicator names by category (same order as [`LEVEL2`]); `{}` is a line of work.
pub const INDICATORS: [&[(&str, Target)]; 9] = [
    &[
        ("{}服务人次", Target::Count("人次", 500, 60000)),
        ("开展{}宣传活动场次", Target::Count("场", 5, 200)),
        ("{}培训人数", Target::Count("人", 50, 5000)),
        ("{}案件办理数量", Target::Count("件", 100, 12000)),
        ("{}项目数量", Target::Count("个", 3, 80)),
        ("{}覆盖范围", Target::Text(COVERAGE)),
        ("印发{}宣传资料数", Target::Count("份", 1000, 100000)),
        ("{}督导检查次数", Target::Count("次", 4, 60)),
        ("编印{}工作汇编数", Target::Count("本", 100, 2000)),
        ("{}短视频推送量", Target::Sentence("期")),
        ("{}考试机位数量达到配备比例", Target::Compound),
        ("{}服务站点数", Target::Count("个", 5, 300)),
        ("{}工作社会评议数", Target::Score),
        ("开展{}专题调研次数", Target::ChineseCount("次", 3, 30)),
        ("{}信息发布期数", Target::ChineseCount("期", 12, 160)),
    ],
    &[
        ("{}案件办结率", Target::Percent),
        ("{}工作完成率", Target::Percent),
        ("{}检查合格率", Target::Percent),
        ("{}差错率", Target::LowPercent),
        ("{}规范化建设达标率", Target::Percent),
        ("{}项目验收通过率", Target::Percent),
        ("{}服务质量", Target::Text(BETTER)),
    ],
    &[
        ("{}任务按时完成率", Target::Percent),
        ("{}任务完成时间", Target::Deadline),
        ("{}资金支付及时率", Target::Percent),
        ("{}办理时限", Target::Within("天", 5, 60)),
    ],
    &[
        ("{}经费控制数", Target::Money),
        ("{}预算执行偏差率", Target::LowPercent),
        ("{}单位成本控制", Target::Text(DONE)),
    ],
    &[
        ("{}带动社会投资", Target::Money),
        ("{}节约财政资金", Target::Money),
        ("{}降低企业成本", Target::Text(BETTER)),
    ],
    &[
        ("{}社会知晓率", Target::Percent),
        ("{}问题再发生率", Target::LowPercent),
        ("{}群众获得感", Target::Text(BETTER)),
        ("{}政策落实情况", Target::Text(DONE)),
        ("{}参与率", Target::Percent),
    ],
    &[
        ("{}节能减排成效", Target::Text(BETTER)),
        ("{}绿色办公覆盖率", Target::Percent),
        ("{}资源循环利用率", Target::Percent),
    ],
    &[
        ("{}长效机制建设", Target::Text(LASTING)),
        ("{}制度体系完善程度", Target::Text(LASTING)),
        ("{}信息化水平", Target::Text(BETTER)),
    ],
    &[
        ("服务对象满意度", Target::Percent),
        ("{}群众满意度", Target::Percent),
        ("{}好评率（%）", Target::Percent),
        ("{}投诉处理满意率", Target::Percent),
    ],
];

/// Task names; `{}` is a line of work.
pub const TASK_NAMES: &[&str] = &[
    "推进{}工作",
    "深化{}改革",
    "加强{}体系建设",
    "提升{}服务水平",
    "全力做好{}保障",
    "完善{}工作机制",
    "持续推动{}提质增效",
    "扎实开展{}专项行动",
];

/// Clauses of contents, goals and the overall goal.
pub const CLAUSES: &[&str] = &[
    "健全工作机制，强化统筹协调",
    "优化服务流程，提升办理效率",
    "加强队伍建设，提高履职能力",
    "推进信息化建设，打造智慧服务平台",
    "完善监督考核，确保资金使用效益",
    "深化部门协作，形成工作合力",
    "加大宣传力度，提高社会知晓度和满意度",
    "落实安全责任，守牢风险底线",
    "规范资金管理，提高财政资金使用效益",
    "推动重点项目落地落实，按期完成年度任务",
    "建立健全常态化工作机制，巩固提升工作成效",
    "强化基层基础，推动资源力量下沉",
    "坚持问题导向，补齐短板弱项",
    "开展专项督查，抓好问题整改",
];

/// Other tasks, when a form has any.
pub const OTHER_TASKS: &[&str] = &[
    "无",
    "完成市委、市政府交办的其他工作任务",
    "按照上级部门部署完成临时性工作任务",
];

/// Title wordings after `{department}{year}年`.
pub const TITLES: &[&str] = &[
    "部门整体预算绩效目标申报表",
    "部门整体预算绩效目标申报表",
    "部门整体预算绩效目标申报表",
    "部门整体支出绩效目标申报表",
    "度部门整体预算绩效目标表",
];

/// `n` in Chinese numerals (1..=9999): 148 → 一百四十八, 30 → 三十, 1005 → 一千零五.
pub fn chinese_number(n: u64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const UNITS: [&str; 4] = ["千", "百", "十", ""];
    assert!((1..=9999).contains(&n), "{n} out of range");
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let first = digits.iter().position(|&d| d != 0).unwrap_or(3);
    let mut out = String::new();
    let mut zero = false;
    for (i, &d) in digits.iter().enumerate().skip(first) {
        if d == 0 {
            zero = true;
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        // 十 alone, not 一十, when it leads.
        if !(d == 1 && i == 2 && i == first) {
            out.push_str(DIGITS[d as usize]);
        }
        out.push_str(UNITS[i]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number(148), "一百四十八");
        assert_eq!(chinese_number(30), "三十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(1005), "一千零五");
        assert_eq!(chinese_number(3000), "三千");
        assert_eq!(chinese_number(110), "一百一十");
    }
}
