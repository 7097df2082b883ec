"""Labels in Chinese (the default) and English. Pure data and lookups: no Streamlit here.

`t(key, lang)` returns the label; a key missing in English falls back to Chinese, a key missing
everywhere to the key itself (visible in review, never an exception in front of a chain head).
Code lists (stages, segments, channels …) come with their Chinese labels from the seeds; the
English ones here are the readable forms of the codes.
"""

from __future__ import annotations

import datetime as dt
import re

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

STATUSES = ("met", "on_track", "at_risk", "off_track", "no_target")

# What a missing value reads as, everywhere (never None, nan or an empty cell).
MISSING = "—"

_ZH: dict[str, str] = {
    # app frame
    "app_title": "产业链双招双引看板",
    "built_at": "数据仓库构建于 {built_at}（数据截至 {as_of}）",
    "language": "语言 Language",
    "no_warehouse": "还没有发布的数据仓库：请先运行 kpi build（{path}）",
    "signin_title": "登录 · 产业链双招双引看板",
    "signin_username": "用户名",
    "signin_password": "密码",
    "signin_button": "登录",
    "signin_failed": "用户名或密码不正确",
    "signin_unavailable": "登录暂不可用：用户配置有误，请联系系统管理员",
    "signin_no_users": "还没有配置看板用户：请管理员在服务器上用 kpi user add 添加",
    "signin_oidc": "使用统一身份认证登录",
    "signin_oidc_unknown": "{email} 未在用户配置中登记，请联系管理员",
    "signout": "退出登录",
    "signed_in_as": "{name}（{role}）",
    "analysts_only": "拒收明细仅对数据分析员可见",
    "corrupt_warehouse": "已发布的数据仓库文件已损坏或无法读取，请重新运行 kpi build（{path}）。详情：{detail}",
    "page_overview": "总览",
    "page_chain": "产业链",
    "page_projects": "项目",
    "page_leads": "招商线索",
    "page_talent": "人才",
    "page_quality": "数据质量",
    "page_export": "导出",
    "page_hand_in": "数据报送",
    "page_users": "用户",
    "page_audit": "审计记录",
    # pickers
    "year": "年份",
    "quarter": "季度",
    "chain": "产业链",
    "quarter_label": "第{q}季度",
    "quarter_running": "第{q}季度（进行中，截至{date}）",
    "running_note": "进行中（截至{date}）：目标进度按今年已过天数计算，季度结束前颜色和全年预计会变化。",
    "year_over_note": "已结束：该年度已过去，按是否完成全年目标判断（完成 / 未完成）。",
    "period": "{year}年第{q}季度",
    "all_chains": "全区",
    "all": "全部",
    # statuses
    "status_met": "达成",
    "status_on_track": "进度正常",
    "status_at_risk": "有风险",
    "status_off_track": "滞后",
    "status_no_target": "未设目标",
    # overview
    "overview_title": "总览 · {period}",
    "status_summary": "{n} 项指标：",
    "no_kpi_data": "{period} 没有指标数据：数据仓库里的指标从 {first} 到 {last}。请选择其中的季度，或导入该季度的台账后运行 kpi build。",
    "no_kpi_at_all": "数据仓库里还没有任何指标数据：请导入台账（kpi ingest）后运行 kpi build。",
    "headline_phd": "今年博士及以上人才",
    "headline_leader": "今年国家级、省级领军人才项目",
    "target": "目标",
    "ytd": "年初至今",
    "pct_of_target": "完成率",
    "no_target_short": "未设目标",
    "projected": "按当前进度全年预计 {value} {unit}",
    "area_talent": "招才引智",
    "area_investment": "招商引资",
    "heatmap_title": "各产业链指标状态（{period}）",
    "pace_title": "{kpi}：{year}年累计进度",
    "pace_actual": "累计实际",
    "pace_target_line": "目标进度线",
    "pace_projection": "全年预计",
    "month_axis": "月份",
    "example_target": "示例目标",
    "tile_caption": "目标 {target} · 完成 {pct}",
    "tile_caption_no_target": "未设目标",
    "axis_chain": "产业链",
    "axis_kpi": "指标",
    # chain page
    "chain_title": "{chain} · {year}年",
    "chain_kpi_by_quarter": "各季度指标对照目标",
    "chain_kpi_heatmap_title": "{chain} {year}年各季度指标状态",
    "chain_kpi_table": "指标明细（年初至今）",
    "gaps": "产业链缺口",
    "gap_matrix_title": "{chain} 缺口：环节 × 状态（个）",
    "gaps_uncovered": "{n} 个未补齐的缺口既没有项目也没有线索在对接",
    "gaps_all_covered": "每个未补齐的缺口都有项目或线索在对接",
    "only_uncovered": "只看无项目、无线索的缺口",
    "no_gaps": "{chain} 还没有缺口记录：请导入产业链缺口台账。",
    "segment": "链条环节",
    "gap_status": "缺口状态",
    "uncovered_flag": "⚠ 无项目无线索",
    "covered_flag": "有项目或线索",
    "gap_coverage": "对接",
    "pipeline": "项目推进",
    "pipeline_title": "{chain}项目 · 当前阶段（个）",
    "stuck": "滞留项目（未开工，在当前阶段超过 60 / 90 天）",
    "stuck_none": "没有在当前阶段滞留超过 60 天的未开工项目。",
    "stuck_60": "超过60天",
    "stuck_90": "超过90天",
    "no_projects": "没有符合条件的项目：请导入项目储备库台账，或放宽筛选条件。",
    "count_axis": "数量（个）",
    "stage": "项目阶段",
    # projects page
    "projects_title": "项目储备库",
    "project_type": "项目类型",
    "major_only": "只看亿元以上项目",
    "funnel_title": "项目推进漏斗 · 累计到达（个）",
    "drill_stage": "查看阶段明细",
    "projects_shown": "共 {n} 个项目，计划总投资 {inv}",
    # leads page
    "leads_title": "招商线索 · {year}年",
    "lead_funnel_title": "线索漏斗（条）",
    "lead_total": "线索",
    "lead_visited": "已拜访",
    "lead_converted": "已转化",
    "conv_by_channel": "各招商方式转化率",
    "conv_by_chain": "各产业链转化率",
    "conversion_rate": "转化率",
    "median_days": "转化中位天数",
    "days_unit": "天",
    "stale_leads": "30 天以上未跟进的线索",
    "stale_none": "没有 30 天以上未跟进的线索。",
    "no_leads": "{year}年没有招商线索：请导入招商线索台账。",
    "channel": "招商方式",
    # talent page
    "talent_title": "人才引进 · {year}年",
    "hires_by": "分组",
    "dim_degree": "学历",
    "dim_level": "人才层次",
    "dim_channel": "引才方式",
    "dim_chain": "产业链",
    "hires_title": "人才引进按{dim}（人）",
    "hires_total": "引进人才",
    "phd_total": "博士及以上",
    "returnee_total": "回引本土人才",
    "catalogue_fill_title": "急需紧缺岗位：需求与引进（人）",
    "catalogue_headcount": "需求人数",
    "catalogue_hires": "已引进",
    "fill_rate": "满足率",
    "open_positions": "尚未满足的急需紧缺岗位",
    "open_positions_none": "急需紧缺岗位都已满足。",
    "no_hires": "{year}年没有人才引进记录：请导入人才引进台账。",
    "no_catalogue": "还没有急需紧缺人才目录：请导入人才需求目录台账。",
    "people_axis": "人数（人）",
    "privacy_note": "本页只显示汇总人数，不含任何个人信息。",
    # quality page
    "quality_title": "数据质量",
    "files": "已导入的台账文件",
    "files_summary": "{files} 个文件 · 入库 {loaded} 行 · 拒收 {rejected} 行 · 整个文件被拒收 {whole} 个",
    "rejections": "被拒收的行及原因",
    "rejections_none": "没有被拒收的行。",
    "warnings": "已保留但有提示的行",
    "warnings_none": "没有提示。",
    "dbt_results": "上次构建的 dbt 检查结果",
    "dbt_summary": "共 {n} 项：",
    "dbt_problems": "未通过或有警告的检查",
    "dbt_all_pass": "全部检查通过。",
    "freshness": "各数据集的新鲜度",
    "no_files": "还没有导入任何台账文件。",
    "read_as_template": "按标准模板读取",
    "interpretation": "各文件的读取方式",
    "interpretation_file": "文件",
    "interpretation_none": "这些文件都没有读取方式的记录（记录读取方式之前导入）。",
    "interpretation_template": "这个文件按标准模板读取：一个工作表，表头在第一行，表头与模板一致。",
    "interp_sheets": "工作表",
    "interp_columns": "列与表头",
    "interp_chain_from": "产业链的来源（行里没有产业链时）",
    "interp_skipped_sheets": "略过的工作表",
    # export page
    "export_title": "导出季度报表",
    "export_lang": "报表语言",
    "export_button": "生成报表",
    "export_ready": "已生成 {n} 个文件：",
    "export_unavailable": "导出功能尚未安装（chainkpi.export 不可用）：{detail}",
    "export_hint": "生成的是报送上级的季度目标跟踪表（Excel）和指标进度 CSV，与 kpi export 命令的结果相同。",
    # chart texts
    "hover_actual": "实际",
    "hover_target": "目标",
    "hover_expected": "应完成",
    "hover_status": "状态",
    "hover_pct": "完成率",
    "hover_investment": "计划总投资",
    "empty_chart": "没有可显示的数据",
    # readable numbers, one meaning per figure, phones
    "filters": "筛选",
    "through": "截至",
    "through_year": "全年至今",
    "through_quarter": "截至第{q}季度",
    "funnel_note": "累计到达：现在处于该阶段或更后、或有该阶段日期的项目（含已终止项目）。与“当前阶段”的口径不同。",
    "stage_note": "当前阶段：现在正处于该阶段的项目。",
    "leads_new_metric": "新增线索（按首次接洽日期）",
    "leads_converted_metric": "转化线索（按转化日期）",
    "leads_converted_line": "按转化日期 {n} · 其中{year}年首次接洽 {m}",
    "lead_cohort_title": "{year}年首次接洽的线索",
    "lead_cohort_note": "下方漏斗和转化率只算{year}年首次接洽的线索（无论何时转化）；上方“转化线索”按转化日期计，与总览一致。",
    "tile_link": "在“{page}”页查看",
    "status_list_title": "各产业链指标状态（{period}）",
    "status_list_rest": "未设目标 {n} 项",
    "catalogue_hires_total": "目录岗位引进",
    "catalogue_fill_chart": "各产业链需求与已引进（人）",
    "dbt_problem": "问题",
    "dbt_technical": "技术细节（供数据分析员）",
    "stale_count": "{n} 条",
    "gap_count_unit": "个",
    "dated": "按日期",
    "dated_any": "不限",
    "dated_signed": "签约",
    "dated_started": "开工",
    "dated_producing": "投产",
    "dated_shown": "{year}年{event}（按{event}日期{through}）",
    "dated_through": "，截至第{q}季度",
    # 党建与服务 (party_service_funds.md)
    "page_party": "党建与服务",
    # 通报排名 (bulletin_brief_forecast.md, the monthly bulletin)
    "page_ranking": "通报排名",
    "ranking_title": "通报排名 · {year}年{month}月",
    "ranking_month": "月份",
    "ranking_month_label": "{year}年{month}月",
    "ranking_running_month": "{year}年{month}月尚未结束（数据截至{date}），数字还会变化。",
    "ranking_no_data": "数据仓库里还没有通报数据：请导入台账后运行 kpi build。",
    "ranking_no_detail": "本月没有可显示的指标明细。",
    "ranking_section": "综合得分与排名",
    "ranking_rank": "排名",
    "ranking_score": "综合得分",
    "ranking_change": "较上月",
    "ranking_same": "持平",
    "ranking_list": "红黑榜",
    "ranking_red": "红榜",
    "ranking_black": "黑榜",
    "ranking_red_line": "红榜：{chains}",
    "ranking_black_line": "黑榜（综合得分低于 0.8）：{chains}",
    "ranking_none": "无",
    "ranking_behind_title": "本月落后序时进度的指标",
    "ranking_behind_none": "本月没有落后序时进度的指标。",
    "ranking_detail_title": "各产业链指标完成情况",
    "ranking_own_detail_note": "排名和综合得分为四个产业链；指标明细只显示本产业链。",
    "ranking_kpi": "指标",
    "ranking_ytd": "累计完成",
    "ranking_target": "年度目标",
    "ranking_completion": "完成率",
    "ranking_time_progress": "序时进度",
    "ranking_gap": "超/落后序时进度（百分点）",
    "ranking_ratio": "得分系数",
    "ranking_weight": "权重",
    "ranking_newly": "本月新落后",
    "ranking_yes": "是",
    "ranking_method": "完成率 = 本年累计完成 ÷ 年度目标；序时进度 = 月份 ÷ 12；综合得分 = 各指标 min(完成率 ÷ 序时进度，1.2) 的加权平均（权重见 seeds/assessment_weights.csv，未列出的为 1）；排名 1 为最好；红榜为第一名，黑榜为综合得分低于 0.8。",
    "brief_title": "党委会议材料",
    "brief_prepare": "生成党委会议材料（{period}）",
    "brief_quarter": "季度",
    "brief_download": "下载{chain}党委会议材料（{period}，PDF）",
    "brief_unavailable": "无法生成党委会议材料：{reason}",
    "party_title": "党建与服务 · {year}年",
    "meetings_title": "产业链党委会议（每季度1次）",
    "meetings_off_track": "未按季度召开党委会议：{chains}",
    "meetings_all_held": "各季度均已召开党委会议。",
    "meetings_missed_in": "{chain}（{quarters}缺会）",
    "trainings_title": "党建工作培训（每年至少1次）",
    "trainings_this_year": "本年培训次数",
    "target_word": "目标",
    "status_word": "状态",
    "quarter_future": "未到",
    "quarter_running_short": "进行中",
    "no_party_data": "{year}年没有党建活动数据。",
    "mentoring_title": "帮带结对（每个帮带党组织帮带5个左右）",
    "mentoring_active_pairs": "在帮结对",
    "mentoring_mentors": "帮带党组织",
    "mentoring_average": "平均每个帮带",
    "mentoring_chart": "每个帮带党组织的在帮对象数",
    "mentoring_axis_x": "在帮对象数（个）",
    "mentoring_axis_y": "帮带党组织数（个）",
    "mentoring_about_5": "约5个",
    "mentoring_none": "没有帮带结对数据。",
    "mentor_org": "帮带党组织",
    "mentee_count": "在帮对象数",
    "mentees": "被帮带党组织",
    "issues_title": "三个直通车：企业诉求",
    "issues_scope": "{year}年受理的诉求；超期未办结列出全部在办诉求（不限年份）。",
    "issues_received": "受理",
    "issues_resolved": "办结",
    "issues_open": "办理中",
    "issues_rate": "办结率",
    "issues_median_days": "办结用时中位数",
    "issues_over_30": "超30天未办结",
    "issues_over_60": "超60天未办结",
    "issues_satisfaction": "满意率",
    "issues_satisfaction_help": "企业评价为满意或基本满意的占已评价诉求的比例。",
    "issues_none": "{year}年没有受理企业诉求。",
    "issues_overdue_title": "超期未办结的诉求",
    "issues_overdue_none": "没有超过30天未办结的诉求。",
    "issue_over_60": "超过60天",
    "issue_over_30": "超过30天",
    "issues_by_track": "按直通车类别",
    "track": "直通车类别",
    "enterprise": "企业名称",
    "days_open": "已办天数",
    "received_date": "受理日期",
    "issue_id": "诉求编号",
    "issue_summary": "诉求内容",
    "funds_rate": "到位率",
    "funds_rate_caption": "到位资金 {funds} ÷ 签约计划总投资 {signed}（{n} 个已签约未终止项目，最新台账）",
    "funds_rate_help": "到位率 = 实际到位资金 ÷ 同一批项目的签约计划总投资；项目为已签约且未终止的项目，按最新项目台账。",
}

_EN: dict[str, str] = {
    "app_title": "Industrial-chain KPI dashboard",
    "built_at": "Warehouse built at {built_at} (data as of {as_of})",
    "language": "语言 Language",
    "no_warehouse": "No published warehouse yet: run kpi build first ({path})",
    "signin_title": "Sign in · Industrial-chain KPI dashboard",
    "signin_username": "User name",
    "signin_password": "Password",
    "signin_button": "Sign in",
    "signin_failed": "Wrong user name or password",
    "signin_unavailable": "Sign-in is unavailable: the users file is invalid; contact the administrator",
    "signin_no_users": "No dashboard users configured yet: the administrator adds them with kpi user add on the server",
    "signin_oidc": "Sign in with the identity provider",
    "signin_oidc_unknown": "{email} is not registered in the users file; ask the administrator",
    "signout": "Sign out",
    "signed_in_as": "{name} ({role})",
    "analysts_only": "Rejected rows are shown to analysts only",
    "corrupt_warehouse": "The published warehouse file is corrupt or unreadable; run kpi build again ({path}). Detail: {detail}",
    "page_overview": "Overview",
    "page_chain": "Chain",
    "page_projects": "Projects",
    "page_leads": "Leads",
    "page_talent": "Talent",
    "page_quality": "Data quality",
    "page_export": "Export",
    "page_hand_in": "Hand in",
    "page_users": "Users",
    "page_audit": "Audit trail",
    "year": "Year",
    "quarter": "Quarter",
    "chain": "Chain",
    "quarter_label": "Q{q}",
    "quarter_running": "Q{q} (in progress, as of {date})",
    "running_note": "In progress (as of {date}): pace is measured by the days gone this year; colours and the year-end projection will move until the quarter ends.",
    "year_over_note": "Over: the year has ended; KPIs read met or missed against the year's target.",
    "period": "{year} Q{q}",
    "all_chains": "District total",
    "all": "All",
    "status_met": "met",
    "status_on_track": "on track",
    "status_at_risk": "at risk",
    "status_off_track": "off track",
    "status_no_target": "no target",
    "overview_title": "Overview · {period}",
    "status_summary": "{n} KPIs: ",
    "no_kpi_data": "No KPI data for {period}: the warehouse holds KPIs from {first} to {last}. Pick one of those quarters, or ingest that quarter's ledgers and run kpi build.",
    "no_kpi_at_all": "The warehouse holds no KPI data yet: ingest ledgers (kpi ingest) and run kpi build.",
    "headline_phd": "PhD-or-above hires this year",
    "headline_leader": "Leading-talent projects this year",
    "target": "Target",
    "ytd": "Year to date",
    "pct_of_target": "Of target",
    "no_target_short": "no target",
    "projected": "Projected for the year at this pace: {value} {unit}",
    "area_talent": "Talent recruitment",
    "area_investment": "Investment attraction",
    "heatmap_title": "KPI status by chain ({period})",
    "pace_title": "{kpi}: cumulative progress in {year}",
    "pace_actual": "Cumulative actual",
    "pace_target_line": "Target pace",
    "pace_projection": "Projection",
    "month_axis": "Month",
    "example_target": "example target",
    "tile_caption": "Target {target} · {pct} done",
    "tile_caption_no_target": "No target",
    "axis_chain": "Chain",
    "axis_kpi": "KPI",
    "chain_title": "{chain} · {year}",
    "chain_kpi_by_quarter": "KPIs quarter by quarter against target",
    "chain_kpi_heatmap_title": "{chain}: KPI status by quarter, {year}",
    "chain_kpi_table": "KPI detail (year to date)",
    "gaps": "Chain gaps",
    "gap_matrix_title": "{chain} gaps: segment × status",
    "gaps_uncovered": "{n} gaps not closed have neither a project nor a lead addressing them",
    "gaps_all_covered": "Every gap not closed has a project or a lead addressing it",
    "only_uncovered": "Only gaps with neither project nor lead",
    "no_gaps": "No gaps recorded for {chain}: ingest the chain-gap ledger.",
    "segment": "Segment",
    "gap_status": "Gap status",
    "uncovered_flag": "⚠ no project, no lead",
    "covered_flag": "Has a project or lead",
    "gap_coverage": "Addressed by",
    "pipeline": "Project pipeline",
    "pipeline_title": "{chain} projects · in this stage now",
    "stuck": "Stuck projects (not started, in their stage over 60 / 90 days)",
    "stuck_none": "No project not yet started has been in its stage over 60 days.",
    "stuck_60": "over 60 days",
    "stuck_90": "over 90 days",
    "no_projects": "No projects match: ingest the project ledger, or widen the filters.",
    "count_axis": "Projects",
    "stage": "Stage",
    "projects_title": "Project ledger",
    "project_type": "Project type",
    "major_only": "Only projects ≥ CNY 100m",
    "funnel_title": "Project funnel · reached at any time",
    "drill_stage": "Show the rows of stage",
    "projects_shown": "{n} projects, planned investment {inv}",
    "leads_title": "Investor leads · {year}",
    "lead_funnel_title": "Lead funnel",
    "lead_total": "Leads",
    "lead_visited": "Visited",
    "lead_converted": "Converted",
    "conv_by_channel": "Conversion rate by channel",
    "conv_by_chain": "Conversion rate by chain",
    "conversion_rate": "Conversion rate",
    "median_days": "Median days to conversion",
    "days_unit": "days",
    "stale_leads": "Leads not followed up in 30+ days",
    "stale_none": "No lead has gone 30+ days without follow-up.",
    "no_leads": "No investor leads for {year}: ingest the leads ledger.",
    "channel": "Channel",
    "talent_title": "Talent · {year}",
    "hires_by": "Group by",
    "dim_degree": "Degree",
    "dim_level": "Talent level",
    "dim_channel": "Channel",
    "dim_chain": "Chain",
    "hires_title": "Hires by {dim}",
    "hires_total": "Hires",
    "phd_total": "PhD or above",
    "returnee_total": "Local returnees",
    "catalogue_fill_title": "Scarce-talent catalogue: needed vs hired",
    "catalogue_headcount": "Needed",
    "catalogue_hires": "Hired",
    "fill_rate": "Fill rate",
    "open_positions": "Open scarce positions",
    "open_positions_none": "Every catalogue position is filled.",
    "no_hires": "No hires recorded for {year}: ingest the talent-hires ledger.",
    "no_catalogue": "No scarce-talent catalogue yet: ingest the catalogue ledger.",
    "people_axis": "Persons",
    "privacy_note": "This page shows counts only, no personal data.",
    "quality_title": "Data quality",
    "files": "Ledger files ingested",
    "files_summary": "{files} files · {loaded} rows loaded · {rejected} rows rejected · {whole} files rejected whole",
    "rejections": "Rejected rows and why",
    "rejections_none": "No rejected rows.",
    "warnings": "Rows kept with a warning",
    "warnings_none": "No warnings.",
    "dbt_results": "dbt checks of the last build",
    "dbt_summary": "{n} checks: ",
    "dbt_problems": "Checks that failed or warned",
    "dbt_all_pass": "All checks passed.",
    "freshness": "Freshness of each dataset",
    "no_files": "No ledger file has been ingested yet.",
    "read_as_template": "Read as the standard template",
    "interpretation": "How each file was read",
    "interpretation_file": "File",
    "interpretation_none": "No file has a record of how it was read (ingested before that was recorded).",
    "interpretation_template": "This file was read as the standard template: one sheet, the header in its first row, the template's headers.",
    "interp_sheets": "Sheets",
    "interp_columns": "Columns and headers",
    "interp_chain_from": "Where the chain came from (rows without one)",
    "interp_skipped_sheets": "Sheets skipped",
    "export_title": "Quarterly export",
    "export_lang": "Report language",
    "export_button": "Generate",
    "export_ready": "{n} files generated:",
    "export_unavailable": "The export is not installed (chainkpi.export unavailable): {detail}",
    "export_hint": "The quarterly target-tracking workbook (Excel) and KPI progress CSV, as kpi export writes them.",
    "hover_actual": "Actual",
    "hover_target": "Target",
    "hover_expected": "Expected",
    "hover_status": "Status",
    "hover_pct": "Of target",
    "hover_investment": "Planned investment",
    "empty_chart": "Nothing to show",
    "filters": "Filters",
    "through": "Through",
    "through_year": "Whole year to date",
    "through_quarter": "through Q{q}",
    "funnel_note": "Reached at any time: projects in that stage or a later one now, or with that stage's date (dropped projects included). Not the same count as \u201cin this stage now\u201d.",
    "stage_note": "In this stage now: projects whose stage is this one today.",
    "leads_new_metric": "New leads (by first-contact date)",
    "leads_converted_metric": "Converted leads (by conversion date)",
    "leads_converted_line": "By conversion date {n} · of which first contacted in {year}: {m}",
    "lead_cohort_title": "Leads first contacted in {year}",
    "lead_cohort_note": "The funnel and rates below count only leads first contacted in {year} (whenever they converted); \u201cConverted leads\u201d above counts by conversion date, as the overview does.",
    "tile_link": "On the {page} page",
    "status_list_title": "KPI status by chain ({period})",
    "status_list_rest": "{n} without a target",
    "catalogue_hires_total": "Into catalogue positions",
    "catalogue_fill_chart": "Needed and hired, by chain",
    "dbt_problem": "What failed",
    "dbt_technical": "Technical detail (for analysts)",
    "stale_count": "{n} leads",
    "gap_count_unit": "gaps",
    "dated": "Dated by",
    "dated_any": "Any date",
    "dated_signed": "Signed",
    "dated_started": "Started",
    "dated_producing": "Producing",
    "dated_shown": "{event} in {year} (by date{through})",
    "dated_through": ", through Q{q}",
    # Party building and service (party_service_funds.md)
    "page_party": "Party building and service",
    # Ranking (bulletin_brief_forecast.md, the monthly bulletin)
    "page_ranking": "Ranking",
    "ranking_title": "Ranking · {month}/{year}",
    "ranking_month": "Month",
    "ranking_month_label": "{month}/{year}",
    "ranking_running_month": "{month}/{year} is not over yet (data as of {date}): the figures will change.",
    "ranking_no_data": "The warehouse has no bulletin figures yet: hand in ledgers, then run kpi build.",
    "ranking_no_detail": "No KPI detail to show for this month.",
    "ranking_section": "Composite score and rank",
    "ranking_rank": "Rank",
    "ranking_score": "Composite score",
    "ranking_change": "Change since last month",
    "ranking_same": "Unchanged",
    "ranking_list": "Red / black list",
    "ranking_red": "Red list",
    "ranking_black": "Black list",
    "ranking_red_line": "Red list (ranked first): {chains}",
    "ranking_black_line": "Black list (score below 0.8): {chains}",
    "ranking_none": "none",
    "ranking_behind_title": "KPIs behind the time-elapsed line this month",
    "ranking_behind_none": "No KPI is behind the time-elapsed line this month.",
    "ranking_detail_title": "Each chain's KPIs against target",
    "ranking_own_detail_note": "Ranks and scores are the four chains'; the KPI detail is your chain's only.",
    "ranking_kpi": "KPI",
    "ranking_ytd": "Year to date",
    "ranking_target": "Annual target",
    "ranking_completion": "Completion",
    "ranking_time_progress": "Time elapsed",
    "ranking_gap": "Ahead (+) / behind (−), percentage points",
    "ranking_ratio": "Score term",
    "ranking_weight": "Weight",
    "ranking_newly": "Newly behind",
    "ranking_yes": "Yes",
    "ranking_method": "Completion = year to date ÷ annual target; time elapsed = month ÷ 12; composite score = weighted mean over the KPIs of min(completion ÷ time elapsed, 1.2) (weights in seeds/assessment_weights.csv, 1 when not listed); rank 1 is best; the red list is the chain ranked first, the black list every chain scoring below 0.8.",
    "brief_title": "Committee brief",
    "brief_prepare": "Make the committee brief ({period})",
    "brief_quarter": "Quarter",
    "brief_download": "Download the {chain} committee brief ({period}, PDF)",
    "brief_unavailable": "The committee brief cannot be made: {reason}",
    "party_title": "Party building and service · {year}",
    "meetings_title": "Chain party committee meetings (1 a quarter)",
    "meetings_off_track": "Quarterly committee meeting missed: {chains}",
    "meetings_all_held": "A committee meeting was held in every quarter so far.",
    "meetings_missed_in": "{chain} (none in {quarters})",
    "trainings_title": "Party-building trainings (at least 1 a year)",
    "trainings_this_year": "Trainings this year",
    "target_word": "Target",
    "status_word": "Status",
    "quarter_future": "Not yet",
    "quarter_running_short": "In progress",
    "no_party_data": "No party-building data for {year}.",
    "mentoring_title": "Mentoring pairs (each mentor organisation mentors about 5)",
    "mentoring_active_pairs": "Active pairs",
    "mentoring_mentors": "Mentor organisations",
    "mentoring_average": "Mentees per mentor (average)",
    "mentoring_chart": "Active mentees per mentor organisation",
    "mentoring_axis_x": "Active mentees",
    "mentoring_axis_y": "Mentor organisations",
    "mentoring_about_5": "about 5",
    "mentoring_none": "No mentoring pairs.",
    "mentor_org": "Mentor organisation",
    "mentee_count": "Active mentees",
    "mentees": "Mentored organisations",
    "issues_title": "Three through trains: enterprise issues",
    "issues_scope": "Issues received in {year}; the overdue list shows every open issue, of any year.",
    "issues_received": "Received",
    "issues_resolved": "Resolved",
    "issues_open": "Being handled",
    "issues_rate": "Resolution rate",
    "issues_median_days": "Median days to resolve",
    "issues_over_30": "Open over 30 days",
    "issues_over_60": "Open over 60 days",
    "issues_satisfaction": "Satisfaction",
    "issues_satisfaction_help": "Share of rated issues the enterprise rated satisfied or fairly satisfied.",
    "issues_none": "No enterprise issues received in {year}.",
    "issues_overdue_title": "Issues open too long",
    "issues_overdue_none": "No issue has been open over 30 days.",
    "issue_over_60": "over 60 days",
    "issue_over_30": "over 30 days",
    "issues_by_track": "By through train",
    "track": "Through train",
    "enterprise": "Enterprise",
    "days_open": "Days open",
    "received_date": "Received",
    "issue_id": "Issue ID",
    "issue_summary": "What was asked",
    "funds_rate": "Funds in place rate",
    "funds_rate_caption": "Funds in place {funds} ÷ planned investment {signed} ({n} signed projects not dropped, latest ledger)",
    "funds_rate_help": "Funds in place rate = funds actually in place ÷ planned investment of the same projects: those signed and not dropped, in the latest project ledger.",
}

_LABELS = {"zh": _ZH, "en": _EN}

# Readable English for every code list (the seeds carry the bare code as label_en): a head
# reads "PhD" and "Visited", never `phd` or `visited`. tests/test_readable_words.py holds this
# complete against the seeds.
_CODE_EN = {
    # project_stages
    "reserve": "Reserve",
    "negotiating": "Negotiating",
    "signed": "Signed",
    "started": "Started",
    "producing": "Producing",
    "dropped": "Dropped",
    # segments
    "upstream": "Upstream",
    "midstream": "Midstream",
    "downstream": "Downstream",
    # gap_statuses
    "open": "Open",
    "in_progress": "In progress",
    "closed": "Closed",
    # gap_priorities
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    # degrees, min_degrees
    "postdoc": "Postdoc",
    "phd": "PhD",
    "master": "Master's",
    "bachelor": "Bachelor's",
    "below_bachelor": "Below bachelor's",
    # talent_levels
    "national_leader": "National leading talent",
    "provincial_leader": "Provincial leading talent",
    "high_level": "High-level talent",
    # leader_levels
    "national": "National",
    "provincial": "Provincial",
    "municipal": "Municipal",
    # hire_channels
    "job_fair": "Job fair",
    "returnee": "Local returnee",
    "talent_project_tech": "Talent + project + technology",
    "tech_vp": "Technology vice-president",
    # lead_channels
    "investor_referral": "Investor referral",
    "platform": "Platform",
    "agency": "Third-party agency",
    "field_office": "Field office",
    "vanguard_team": "Vanguard team",
    "fund": "Fund",
    # lead_statuses
    "new": "New",
    "following": "Following up",
    "visited": "Visited",
    "converted": "Converted",
    "abandoned": "Abandoned",
    # project_types
    "build": "Build the chain",
    "extend": "Extend the chain",
    "fill": "Fill a gap",
    "strengthen": "Strengthen the chain",
    # party_activity_types
    "training": "Party training",
    "committee_meeting": "Party committee meeting",
    "work_report": "Work report",
    "party_day": "Party theme day",
    "study_visit": "Study visit",
    # issue_tracks, issue_statuses
    "policy": "Policy support",
    "resources": "Resource guarantees",
    "problem": "Problem solving",
    "resolved": "Resolved",
    "unresolvable": "Cannot be resolved",
    # satisfaction_levels
    "satisfied": "Satisfied",
    "fair": "Fairly satisfied",
    "dissatisfied": "Dissatisfied",
    # pairing_statuses
    "active": "Active",
    "ended": "Ended",
    # several lists
    "other": "Other",
}
# A code that means something else in one list: (list, code).
_LIST_CODE_EN = {("issue_statuses", "open"): "Being handled"}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The label for `key` in `lang`, formatted with `values`."""
    text = _LABELS.get(lang, _ZH).get(key) or _ZH.get(key) or key
    return text.format(**values) if values else text


def status_label(status: str, lang: str = "zh") -> str:
    return t(f"status_{status}", lang)


def code_label(
    code: object, label_zh: object = None, lang: str = "zh", code_list: str | None = None
) -> str:
    """A code-list value for display: the seed's Chinese label, or readable English; a missing
    value is "—" (never None, nan or an empty cell). `code_list`: the seed, where a code means
    something else in another list."""
    if not isinstance(code, str) or not code.strip():
        return MISSING
    if lang == "en":
        if (code_list, code) in _LIST_CODE_EN:
            return _LIST_CODE_EN[(code_list, code)]
        return _CODE_EN.get(code, code.replace("_", " ").capitalize())
    return label_zh if isinstance(label_zh, str) and label_zh else code


def missing_keys() -> set[str]:
    """Keys with a Chinese label but no English one (the tests keep this empty)."""
    return set(_ZH) - set(_EN)


# --- Units, KPIs, roles, datasets ---------------------------------------------------------------

# A unit in English: (one, many). 个 counts projects unless the KPI counts gaps.
_UNIT_EN: dict[str, tuple[str, str]] = {
    "人": ("person", "persons"),
    "个": ("project", "projects"),
    "条": ("lead", "leads"),
    "天": ("day", "days"),
    "万元": ("CNY 10k", "CNY 10k"),
    "亿元": ("CNY 100m", "CNY 100m"),
    "次": ("time", "times"),
    "对": ("pair", "pairs"),
    "件": ("issue", "issues"),
}
_GAP_KPIS = ("gaps_identified", "gaps_closed")


def unit_label(
    unit: object, lang: str = "zh", n: object = None, kpi_code: str | None = None
) -> str:
    """A unit as a head reads it: 人 / persons, 个 / projects (gaps for the gap KPIs), 条 /
    leads, 万元 / CNY 10k, 亿元 / CNY 100m; the singular in English when `n` is 1."""
    if not isinstance(unit, str) or not unit:
        return ""
    if lang != "en":
        return unit
    one, many = _UNIT_EN.get(unit, (unit, unit))
    if unit == "个" and kpi_code in _GAP_KPIS:
        one, many = "gap", "gaps"
    try:
        single = n is not None and float(n) == 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        single = False
    return one if single else many


# KPI names and help texts in English where the seed's English is missing or not English.
_KPI_NAME_EN = {"major_projects_signed": "Major projects signed (≥ CNY 100m)"}
_KPI_HELP_EN = {
    "phd_hires": "Hires with a PhD or postdoc degree, counted by hire date.",
    "leader_talent_projects": "Leading-talent projects at national or provincial level, counted by approval date.",
    "talent_hires": "All talent hires, counted by hire date.",
    "returnee_hires": "Hires marked as local returnees, counted by hire date.",
    "catalogue_headcount": "Headcount the scarce-talent catalogue's positions ask for, counted by publication date.",
    "catalogue_hires": "Hires into a known catalogue position, counted by hire date.",
    "projects_signed": "Projects with a signing date (dropped ones included), counted by signing date.",
    "signed_investment_wan": "Planned investment of the projects signed, counted by signing date.",
    "major_projects_signed": "Signed projects with a planned investment of at least CNY 100m, counted by signing date.",
    "projects_started": "Projects with a start date, counted by start date.",
    "projects_producing": "Projects with a production date, counted by production date.",
    "gaps_identified": "Chain gaps, counted by the date they were identified.",
    "gaps_closed": "Chain gaps with a closing date, counted by closing date.",
    "leads_new": "Investor leads, counted by first-contact date.",
    "leads_converted": "Investor leads with a conversion date, counted by conversion date.",
    "party_trainings": "Party activities of type party-building training, counted by activity date.",
    "committee_meetings": "Party activities of type chain party committee meeting, counted by activity date.",
    "mentoring_pairs_signed": "Mentoring pairs (ended ones included), counted by the date the pair was formed.",
    "issues_received": "Enterprise issues received by the three through trains, counted by the date received.",
    "issues_resolved": "Enterprise issues resolved (not those that cannot be resolved), counted by the date resolved.",
    "funds_in_place_wan": "Funds actually in place: per project, the rise of its running total since the previous period's end, by the project ledger's period; a fall (a correction) counts as it is.",
}  # fmt: skip


def kpi_name(code: str, name_zh: object, name_en: object, lang: str = "zh") -> str:
    if lang == "en":
        return _KPI_NAME_EN.get(code) or (name_en if isinstance(name_en, str) else code)
    return name_zh if isinstance(name_zh, str) else code


def kpi_help(code: str, description_zh: object, lang: str = "zh") -> str | None:
    """The KPI's definition for its tile's help: the seed's Chinese sentence, or English."""
    if lang == "en":
        return _KPI_HELP_EN.get(code)
    return description_zh if isinstance(description_zh, str) else None


def kpi_help_missing(codes) -> set[str]:
    """KPI codes without an English help text (the tests keep this empty)."""
    return set(codes) - set(_KPI_HELP_EN)


_ROLE_LABELS = {
    "district": ("区领导", "District"),
    "analyst": ("数据分析员", "Analyst"),
    "admin": ("用户管理员", "User administrator"),
    "auditor": ("安全审计员", "Auditor"),
}
# The demo users' display names (chainkpi.auth.DEMO_USERS) in English.
_DEMO_NAMES_EN = {
    "区领导（演示）": "District leader (demo)",
    "数据分析员（演示）": "Data analyst (demo)",
    "新能源链办（演示）": "New energy chain office (demo)",
    "半导体链办（演示）": "Semiconductors chain office (demo)",
}
_CHAIN_NAMES = {
    "NE": ("新能源", "New energy"),
    "SEMI": ("半导体和电子信息", "Semiconductors"),
    "EQUIP": ("先进装备制造", "Advanced equipment"),
    "MAT": ("新材料", "New materials"),
}


def chain_short_name(code: str, lang: str = "zh") -> str | None:
    """A chain's name short enough for a phone's table column (Semiconductors, not
    Semiconductors and electronic information); None for a code without one."""
    names = _CHAIN_NAMES.get(code)
    return None if names is None else names[0 if lang == "zh" else 1]


def role_label(role: str, lang: str = "zh") -> str:
    """district → 区领导 / District; chain:NE → 新能源链办 / New energy chain office."""
    if role in _ROLE_LABELS:
        return _ROLE_LABELS[role][0 if lang == "zh" else 1]
    if role.startswith("chain:"):
        code = role.split(":", 1)[1]
        zh, en = _CHAIN_NAMES.get(code, (code, code))
        return f"{zh}链办" if lang == "zh" else f"{en} chain office"
    if role.startswith("office:"):  # a chain office's hand-in account (数据报送)
        zh, en = _CHAIN_NAMES.get(role.split(":", 1)[1], (role, role))
        return f"{zh}链办（报送）" if lang == "zh" else f"{en} chain office (hand-in)"
    return role


def display_name(name: str, lang: str = "zh") -> str:
    """A user's display name: the demo users' in English too (real users' as they are)."""
    return _DEMO_NAMES_EN.get(name, name) if lang == "en" else name


def user_line(user: dict, lang: str = "zh") -> str:
    """The sidebar's "signed in as": 区领导（演示）· 区领导 / District leader (demo) · District."""
    name = display_name(str(user.get("display_name") or user.get("username") or ""), lang)
    role = role_label(str(user.get("role", "")), lang)
    return name if role in name else f"{name} · {role}"  # 新能源链办（演示）says its role


DATASETS = {
    "projects": ("项目储备库", "Project ledger", ("个项目", "project", "projects")),
    "chain_gaps": ("产业链缺口", "Chain gaps", ("个缺口", "gap", "gaps")),
    "leads": ("招商线索", "Investor leads", ("条线索", "lead", "leads")),
    "talent_catalogue": ("人才需求目录", "Scarce-talent catalogue", ("个岗位", "position", "positions")),
    "talent_hires": ("人才引进", "Talent hires", ("名引进人才", "hire", "hires")),
    "leader_projects": ("领军人才项目", "Leading-talent projects", ("个领军人才项目", "leading-talent project", "leading-talent projects")),
    "party_activities": ("党建活动", "Party activities", ("次活动", "activity", "activities")),
    "mentoring_pairs": ("帮带结对", "Mentoring pairs", ("对结对", "pair", "pairs")),
    "enterprise_issues": ("企业诉求", "Enterprise issues", ("件诉求", "issue", "issues")),
    "ingest": ("导入记录", "Ingest log", ("行", "row", "rows")),
    "kpi": ("指标进度", "KPI progress", ("行", "row", "rows")),
    "code_lists": ("代码表", "Code lists", ("行", "row", "rows")),
}  # fmt: skip


def dataset_label(code: object, lang: str = "zh") -> str:
    if not isinstance(code, str) or not code:
        return "未识别" if lang == "zh" else "Not recognised"
    pair = DATASETS.get(code)
    return code if pair is None else pair[0 if lang == "zh" else 1]


# --- dbt checks in a head's words ---------------------------------------------------------------
# meta.dbt_results names each test as dbt does (relationships_stg_projects_gap_id__gap_id__ref_
# stg_chain_gaps_, "Got 1 result, configured to warn if != 0"); the page says what failed in
# which dataset: 项目储备库：1 个项目的对应缺口编号不存在.

# Model name (without stg_/int_/fct_/dim_) → dataset, longest first.
_MODEL_DATASETS = (
    ("talent_catalogue", "talent_catalogue"),
    ("catalogue_fill", "talent_catalogue"),
    ("talent_hires", "talent_hires"),
    ("leader_projects", "leader_projects"),
    ("chain_gap", "chain_gaps"),
    ("project", "projects"),
    ("lead", "leads"),
    ("ingest", "ingest"),
    ("kpi", "kpi"),
)
_COLUMNS = {
    "gap_id": ("对应缺口编号", "chain-gap ID"),
    "position_id": ("对应岗位编号", "catalogue position ID"),
    "lead_id": ("对应线索编号", "lead ID"),
    "project_id": ("项目编号", "project ID"),
    "load_id": ("导入批次编号", "load ID"),
    "chain_code": ("产业链", "chain"),
    "kpi_code": ("指标代码", "KPI code"),
    "hire_id": ("人才编号", "hire ID"),
    "stage": ("项目阶段", "stage"),
    "status": ("状态", "status"),
    "degree": ("学历", "degree"),
    "min_degree": ("学历要求", "minimum degree"),
    "company": ("企业名称", "company"),
    "project_name": ("项目名称", "project name"),
    "project_type": ("项目类型", "project type"),
    "investor": ("投资主体", "investor"),
    "planned_investment_wan": ("计划总投资", "planned investment"),
    "employer": ("用人单位", "employer"),
    "title": ("项目名称", "title"),
    "position_title": ("岗位名称", "position title"),
    "headcount": ("需求人数", "headcount"),
    "link_name": ("缺失环节", "missing link"),
    "segment": ("链条环节", "segment"),
    "priority": ("优先级", "priority"),
    "channel": ("招商方式", "channel"),
    "level": ("级别", "level"),
    "talent_level": ("人才层次", "talent level"),
    "hire_channel": ("引才方式", "hire channel"),
    "identified_date": ("识别日期", "date identified"),
    "first_contact_date": ("首次接洽日期", "first-contact date"),
    "hire_date": ("引进日期", "hire date"),
    "approved_date": ("立项日期", "approval date"),
    "published_date": ("发布日期", "publication date"),
    "file_name": ("文件名", "file name"),
}
_DBT_STATUS = {
    "error": ("出错", "error"),
    "fail": ("未通过", "failed"),
    "warn": ("警告（数据照常发布）", "warning (the data was published)"),
    "pass": ("通过", "passed"),
    "success": ("成功", "succeeded"),
    "skipped": ("跳过", "skipped"),
    "no-op": ("无操作", "nothing to do"),
}
_SINGULAR_CHECKS = {
    "assert_all_is_at_least_the_sum_of_chains": ("kpi", "全区数小于各产业链之和", "the district total is below the sum of its chains"),
    "assert_kpi_events_sum_to_progress": ("kpi", "指标事件之和与指标进度不一致", "KPI events do not add up to the progress"),
    "assert_kpi_progress_has_every_chain_and_kpi_each_quarter": ("kpi", "缺少某季度某产业链的指标", "a chain or KPI is missing in a quarter"),
    "assert_kpi_targets_are_not_negative": ("kpi", "目标值为负数", "a target is negative"),
}  # fmt: skip


def dbt_status_label(status: object, lang: str = "zh") -> str:
    pair = _DBT_STATUS.get(str(status))
    return str(status) if pair is None else pair[0 if lang == "zh" else 1]


def _dataset_of(model: str) -> str | None:
    bare = re.sub(r"^(stg|int|fct|dim)_", "", model)
    return next((ds for prefix, ds in _MODEL_DATASETS if bare.startswith(prefix)), None)


def _split_model_column(rest: str, column: str | None = None) -> tuple[str, str]:
    """relationships_<model>_<column>: the model is whatever comes before the column."""
    if column and rest.endswith("_" + column):
        return rest[: -len(column) - 1], column
    for known in sorted(_COLUMNS, key=len, reverse=True):
        if rest.endswith("_" + known):
            return rest[: -len(known) - 1], known
    model, _, col = rest.rpartition("_")
    return model, col


def dbt_check_text(name: object, failures: object, lang: str = "zh") -> str:
    """One dbt test result as a sentence: which dataset, how many, what is wrong."""
    text = str(name or "").split(".")[0]
    try:
        n = int(failures)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        n = 0
    zh = lang == "zh"
    kind, model, column = "", "", ""
    if m := re.match(r"^relationships_(.+)__(\w+?)__ref_(\w+?)_?$", text):
        kind = "relationships"
        model, column = _split_model_column(m.group(1), m.group(2))
    elif m := re.match(r"^(not_null|unique|accepted_values)_(.+?)(?:__.*)?$", text):
        kind = m.group(1)
        model, column = _split_model_column(m.group(2))
    elif text in _SINGULAR_CHECKS:
        dataset, what_zh, what_en = _SINGULAR_CHECKS[text]
        where = dataset_label(dataset, lang)
        return f"{where}：{what_zh}（{n} 行）" if zh else f"{where}: {what_en} ({n} rows)"
    elif m := re.match(r"^column_rules_(.+)$", text):
        kind, model = "column_rules", m.group(1)
    dataset = _dataset_of(model) if model else None
    where = dataset_label(dataset, lang) if dataset else ("数据仓库" if zh else "Warehouse")
    entity_zh, one, many = DATASETS.get(dataset or "", (None, None, ("行", "row", "rows")))[2]
    things = one if n == 1 else many
    col_zh, col_en = _COLUMNS.get(column, (column, column.replace("_", " ")))
    if kind == "relationships":
        return (
            f"{where}：{n} {entity_zh}的{col_zh}不存在"
            if zh
            else f"{where}: {n} {things} {'names' if n == 1 else 'name'} a {col_en} that does not exist"
        )
    if kind == "not_null":
        return (
            f"{where}：{n} {entity_zh}缺少{col_zh}"
            if zh
            else f"{where}: {n} {things} {'has' if n == 1 else 'have'} no {col_en}"
        )
    if kind == "unique":
        return (
            f"{where}：{col_zh}有 {n} 个重复值"
            if zh
            else f"{where}: {n} duplicate {col_en} {'value' if n == 1 else 'values'}"
        )
    if kind == "accepted_values":
        return (
            f"{where}：{n} {entity_zh}的{col_zh}不在代码表中"
            if zh
            else f"{where}: {n} {things} {'has' if n == 1 else 'have'} a {col_en} outside its code list"
        )
    return (
        f"{where}：{n} 行未通过数据检查"
        if zh
        else f"{where}: {n} {'row' if n == 1 else 'rows'} failed a data check"
    )


# --- Times, with their time zone ----------------------------------------------------------------
# The ingest stamps files in UTC (raw.ingest_files.ingested_at); a head reads Beijing time.
BEIJING = dt.timezone(dt.timedelta(hours=8))


def format_time(value: object, lang: str = "zh", *, source_tz: dt.tzinfo = dt.UTC) -> str:
    """A moment as 2026-12-03 05:23（北京时间）/ 2026-12-03 05:23 (Beijing time, UTC+8);
    a naive value is read in `source_tz` (UTC: how the ingest stores it)."""
    if value is None or not hasattr(value, "strftime"):
        return MISSING
    try:
        if value != value:  # NaT
            return MISSING
    except TypeError:
        pass
    moment = value if getattr(value, "tzinfo", None) else value.replace(tzinfo=source_tz)
    local = moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return f"{local}（北京时间）" if lang == "zh" else f"{local} (Beijing time, UTC+8)"


def format_local_time(value: object) -> str:
    """A naive moment in this server's local time (how kpi build stamps built_at) with its zone:
    2026-12-02 21:23 UTC, 2026-12-03 05:23 UTC+8."""
    if value is None or not hasattr(value, "strftime"):
        return MISSING if value is None else str(value)
    offset = dt.datetime.now().astimezone().utcoffset() or dt.timedelta()
    hours = offset.total_seconds() / 3600
    return f"{value.strftime('%Y-%m-%d %H:%M')} {'UTC' if not hours else f'UTC{hours:+g}'}"


# --- How the ingest read a file (raw.ingest_files.interpretation) ----------------------------
# Every text in it comes from a ledger (sheet names, headers, section headings): the functions
# below only put it into sentences; the page shows them as plain text, never as markdown.

# Codes of the interpretation, in Chinese and English.
SKIPPED_ROW_KINDS = {
    "subtotal": ("合计/小计", "subtotal"),
    "section": ("分节标题", "section heading"),
    "note": ("注释/落款", "note or footer"),
    "example": ("模板示例", "template example"),
}
CHAIN_SOURCES = {
    "section": ("分节标题", "the section heading"),
    "sheet": ("工作表名", "the sheet name"),
    "title": ("标题", "the title"),
    "file_name": ("文件名", "the file name"),
}
SHEET_REASONS = {
    "hidden": ("隐藏", "hidden"),
    "empty": ("空白", "empty"),
    "no_header": ("未找到表头", "no header found"),
    "not_a_worksheet": ("非工作表", "not a worksheet"),
}
UNIT_SOURCES = {
    "header": ("表头", "its header"),
    "unit_row": ("单位行", "the unit row"),
    "default": ("未注明，按万元", "none given: 万元"),
}
# The sentences, as the ingest's own summary_zh words them.
_PHRASES = {
    "zh": {
        "quote": "「{}」",
        "header_row": "表头在第{span}行",
        "header_rows": "表头在第{span}行",
        "unit": "{header}单位{unit}{source}，{factor} 折为万元",
        "unit_from": "（取自{}）",
        "no_unit": "{header}未注明单位，按万元读取",
        "skipped": "跳过{items}（不入库）",
        "skipped_item": "{kind}{n}行",
        "sheet": "工作表{name}：",
        "rows_read": "读取 {n} 行",
        "chain_from": "{rows}行的产业链取自{where}{words}（{chain}）",
        "skipped_sheet": "{name}（{reason}）",
        "skipped_sheets": "略过工作表{items}",
        "derived_key": "无编号列 {column}，{rows}编号由{sources}{hashed}生成",
        "key_rows": "{}行的",
        "hashed": "的加密散列",
        "the_name": "名称",
        "or": "或",
        "items": "、",
        "parts": "，",
        "clauses": "；",
    },
    "en": {
        "quote": "«{}»",
        "header_row": "header in row {span}",
        "header_rows": "header in rows {span}",
        "unit": "{header} in {unit}{source}, {factor} to 万元",
        "unit_from": " (from {})",
        "no_unit": "{header} has no unit: read as 万元",
        "skipped": "rows skipped (not loaded): {items}",
        "skipped_item": "{n} {kind}",
        "sheet": "Sheet {name}: ",
        "rows_read": "{n} rows read",
        "chain_from": "the chain of {rows} rows ({chain}) from {where}{words}",
        "skipped_sheet": "{name} ({reason})",
        "skipped_sheets": "sheets skipped: {items}",
        "derived_key": "no {column} column: the key{rows} is derived from {hashed}{sources}",
        "key_rows": " of {} rows",
        "hashed": "a keyed hash of ",
        "the_name": "the name",
        "or": " or ",
        "items": ", ",
        "parts": ", ",
        "clauses": "; ",
    },
}


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _one_line(text: str) -> str:
    """A sentence on one line: a header's line break (项目\n类型) becomes a space."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def named(codes: dict[str, tuple[str, str]], code: object, lang: str = "zh") -> str:
    """A code of the interpretation (a skipped row's kind, a chain's source …) in `lang`;
    an unknown code as it is."""
    pair = codes.get(_text(code))
    return _text(code) if pair is None else pair[0] if lang == "zh" else pair[1]


def factor_text(factor: object) -> str:
    """×10000 for 亿元 → 万元, ÷10000 for 元 → 万元, "" for none."""
    try:
        value = float(factor)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _text(factor)
    if value in (0.0, 1.0) or value != value:
        return ""
    return f"×{value:g}" if value > 1 else f"÷{1 / value:g}"


def row_span(rows: object) -> str:
    """[3, 4] → 3–4, [3] → 3."""
    numbers = [_text(r) for r in _as_list(rows)]
    if len(numbers) < 2:
        return "".join(numbers)
    return f"{numbers[0]}–{numbers[-1]}"


def _sheet_parts(sheet: dict, w: dict, lang: str) -> list[str]:
    """What was not as the template on one sheet: header rows, units, skipped rows."""
    q = w["quote"].format
    parts = []
    rows = _as_list(sheet.get("header_rows"))
    if len(rows) > 1 or (rows and _text(rows[0]) != "1"):
        parts.append(
            w["header_rows" if len(rows) > 1 else "header_row"].format(span=row_span(rows))
        )
    for column in map(_as_dict, _as_list(sheet.get("columns"))):
        header, factor = q(_text(column.get("header"))), factor_text(column.get("factor"))
        if factor:
            source = named(UNIT_SOURCES, column.get("unit_source"), lang)
            parts.append(
                w["unit"].format(
                    header=header,
                    unit=_text(column.get("unit")) or "?",
                    source=w["unit_from"].format(source) if source else "",
                    factor=factor,
                )
            )
        elif _text(column.get("unit_source")) == "default":
            parts.append(w["no_unit"].format(header=header))
    skipped = [(k, n) for k, n in _as_dict(sheet.get("skipped_rows")).items() if n]
    if skipped:
        items = [
            w["skipped_item"].format(kind=named(SKIPPED_ROW_KINDS, k, lang), n=_text(n))
            for k, n in skipped
        ]
        parts.append(w["skipped"].format(items=w["items"].join(items)))
    return parts


def interpretation_lines(interpretation: object, lang: str = "zh") -> list[str]:
    """How the ingest read one file, in one or two lines: in Chinese the ingest's own
    sentences (summary_zh); in English, or when those are missing, sentences made from the
    structured parts in the same way. Empty: nothing to say (a file read just as the template
    says, or nothing recorded)."""
    info = _as_dict(interpretation)
    summary = [_one_line(_text(x)) for x in _as_list(info.get("summary_zh")) if _text(x).strip()]
    if lang == "zh" and summary:
        return summary
    w = _PHRASES["zh" if lang == "zh" else "en"]
    q = w["quote"].format
    sheets = [_as_dict(s) for s in _as_list(info.get("sheets"))]
    skipped_sheets = [_as_dict(s) for s in _as_list(info.get("skipped_sheets"))]
    many = len(sheets) > 1 or bool(skipped_sheets)
    how: list[str] = []
    more: list[str] = []
    for sheet in sheets:
        parts = _sheet_parts(sheet, w, lang)
        if parts or many:
            name = _text(sheet.get("sheet"))
            prefix = w["sheet"].format(name=q(name)) if name and many else ""
            read = w["rows_read"].format(n=_text(sheet.get("rows_read")))
            how.append(prefix + (w["parts"].join(parts) if parts else read))
        for source in map(_as_dict, _as_list(sheet.get("chain_from"))):
            kind = _text(source.get("source"))
            text = _text(source.get("text"))
            more.append(
                w["chain_from"].format(
                    rows=_text(source.get("rows")),
                    chain=_text(source.get("chain")),
                    where=named(CHAIN_SOURCES, kind, lang),
                    words=(("" if lang == "zh" else " ") + q(text))
                    if kind in ("section", "sheet") and text
                    else "",
                )
            )
    if skipped_sheets:
        items = [
            w["skipped_sheet"].format(
                name=q(_text(s.get("sheet"))), reason=named(SHEET_REASONS, s.get("reason"), lang)
            )
            for s in skipped_sheets
        ]
        more.append(w["skipped_sheets"].format(items=w["items"].join(items)))
    key = _as_dict(info.get("derived_key"))
    if key:
        # `from`: the alternatives, each a group of columns ([["id_number"], ["name", …]]).
        groups = [g if isinstance(g, list) else [g] for g in _as_list(key.get("from"))]
        sources = ["+".join(_text(c) for c in g if _text(c)) for g in groups]
        rows = _text(key.get("rows"))
        more.append(
            w["derived_key"].format(
                column=_text(key.get("column")),
                rows=w["key_rows"].format(rows) if rows else "",
                sources=w["or"].join(s for s in sources if s) or w["the_name"],
                hashed=w["hashed"] if key.get("hashed") is True else "",
            )
        )
    lines = [_one_line(w["clauses"].join(clauses)) for clauses in (how, more) if clauses]
    return lines or summary  # nothing structured: the ingest's own sentences, as they are
