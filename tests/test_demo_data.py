"""The demo-ledger generator: deterministic, all six datasets, real office formats.

The tests read the files back with a small reader of their own that follows inputs.md and
real_ledgers.md (not the ingest's), so the generator is checked against the contract itself:
every row is valid except exactly the planted bad rows. The reader takes the vocabulary
(header and value synonyms) from the seed files themselves, as an analyst would edit them.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from chainkpi.demo import generate, generate_detailed, id_check_digit
from chainkpi.demo.district import FIRST_YEAR
from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAINS,
    CODE_LISTS,
    COUNT,
    DATE,
    ENUM,
    MISSING_TOKENS,
    Dataset,
    dataset_for_filename,
)

AS_OF = date(2026, 11, 25)
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?: \d{1,2}:\d{2}:\d{2})?$")
# A month without a day: 2025.8, 2025年8月, 2025-08, 202508 (the first of the month).
_MONTH = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$")
_AMOUNT = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")
_CHAINS = {a.lower(): code for code, aliases in CHAINS.items() for a in (code, *aliases)}
# Chain names as they appear inside a sheet name, title or file name (not the codes).
_CHAIN_WORDS = {a: code for a, code in _CHAINS.items() if not a.isascii()}
_UNIT = re.compile(r"[(\[【]\s*(亿元|万元|元|万美元|美元|港元)\s*[)\]】]$")
_UNIT_ROW = re.compile(r"单位\s*[:：]\s*(亿元|万元|元)")
_FACTORS = {"亿元": 10000.0, "万元": 1.0, "元": 0.0001}
_MARKS = "★☆※"
_SUBTOTAL = ("合计", "小计", "总计", "其中")
_NOTES = (
    "注",
    "说明",
    "备注：",
    "填报人",
    "填表人",
    "审核人",
    "负责人",
    "联系人",
    "填报单位",
    "填报日期",
    "制表",
)
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）])")
HEADER_ROWS = 15


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


_VALUE_SYNONYMS: dict[tuple[str, str], dict[str, str]] = {}
for _row in _seed("value_synonyms"):
    _VALUE_SYNONYMS.setdefault((_row["code_list"], _row["match"] or "exact"), {})[
        _fold(_row["synonym"])
    ] = _row["code"]
_BOOLS = {
    **{w: "true" for w in ("是", "y", "yes", "true", "1")},
    **{w: "false" for w in ("否", "n", "no", "false", "0")},
    **_VALUE_SYNONYMS.get(("bool", "exact"), {}),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    return out, generate_detailed(out, as_of=AS_OF)


@pytest.fixture(scope="module")
def ledgers(demo) -> dict[str, tuple[Dataset, list[tuple[tuple, dict[str, object]]]]]:
    out, _ = demo
    return {p.name: _read(p) for p in sorted(out.iterdir())}


# --------------------------------------------------------------------------- a reader


def _norm(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip().lstrip(_MARKS).strip()
        return None if value in MISSING_TOKENS else value
    return None if value is None else value


def _label(cell: object) -> tuple[str, str | None]:
    """A header cell as compared (NFKC, no white space, no unit in brackets) and its unit."""
    text = "".join(unicodedata.normalize("NFKC", str(cell or "")).split()).casefold()
    unit = _UNIT.search(text)
    return (text[: unit.start()], unit.group(1)) if unit else (text, None)


def _names(dataset: Dataset) -> dict[str, str]:
    """Every header a column is recognised by -> its key: key, Chinese header, synonyms."""
    names = {}
    for column in dataset.columns:
        names[_label(column.key)[0]] = column.key
        names[_label(column.header_zh)[0]] = column.key
    keys = {c.key for c in dataset.columns}
    for row in _seed("header_synonyms"):
        if row["dataset"] in ("all", dataset.key) and row["column_key"] in keys:
            names[_label(row["synonym"])[0]] = row["column_key"]
    return names


def _sheets(path: Path) -> list[tuple[str | None, list[list[object]], list]]:
    """(sheet name, rows, merged ranges) of every visible sheet, merged cells spread over
    what they cover; a CSV is one sheet without a name or merges."""
    if path.suffix in (".xlsx", ".xls"):
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for i, meta in enumerate(workbook.sheets_metadata):
            if meta.visible != SheetVisibleEnum.Visible:
                continue
            sheet = workbook.get_sheet_by_index(i)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            merges = sheet.merged_cell_ranges or []
            sheets.append((meta.name, _spread(rows, merges), merges))
        return sheets
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [(None, list(csv.reader(text.splitlines())), [])]


def _spread(rows: list[list[object]], merges) -> list[list[object]]:
    for (r1, c1), (r2, c2) in merges:
        while len(rows) <= r2:
            rows.append([])
        for r in range(r1, r2 + 1):
            rows[r] += [""] * (c2 + 1 - len(rows[r]))
            for c in range(c1, c2 + 1):
                rows[r][c] = rows[r1][c1]
    return rows


def _header(rows: list[list[object]], merges: list, dataset: Dataset) -> tuple[int, int] | None:
    """First and last row of the header: the first of the first 15 rows that names every
    required column (but the key and the chain, which may come from elsewhere), down to
    the bottom of the header cells merged down from it."""
    names = _names(dataset)
    need = {k for k in dataset.required if k not in (dataset.id_column, "chain")}
    for i, row in enumerate(rows[:HEADER_ROWS]):
        if need <= {names.get(_label(c)[0]) for c in row}:
            return i, max([i] + [r2 for (r1, _), (r2, _) in merges if r1 == i])
    return None


def _chain_named(text: str) -> str | None:
    found = {code for word, code in _CHAIN_WORDS.items() if word in text}
    return found.pop() if len(found) == 1 else None


def _kind(row: list[object]) -> str:
    """data, or the kind of row that is not a record (real_ledgers.md rule 5)."""
    cells = [str(_norm(c)) if _norm(c) is not None else "" for c in row]
    filled = [i for i, c in enumerate(cells) if c]
    if not filled:
        return "empty"
    first = cells[filled[0]]
    if first.startswith(_SUBTOTAL):
        return "subtotal"
    if first.startswith(_NOTES):
        return "note"
    if filled[-1] <= 1 and _SECTION.match(first):
        return "section"
    return "data"


def _derived_key(dataset: str, record: dict[str, object]) -> str | None:
    parts = {
        "projects": ("project_name",),
        "leader_projects": ("title",),
        "leads": ("company",),
        "chain_gaps": ("chain", "link_name"),
        "talent_catalogue": ("employer", "position_title"),
    }[dataset]
    if any(record.get(p) is None for p in parts):
        return None
    text = "|".join(unicodedata.normalize("NFKC", str(record[p])) for p in parts)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _MARKS)


def _read(path: Path) -> tuple[Dataset, list[tuple[tuple, dict[str, object]]]]:
    """Dataset, and ((sheet, row number as a person sees it), {key: normalised cell}) per
    record: amounts in 万元, the chain filled in from the sheet, a title, the file name or a
    section when there is no chain column, and the key derived when there is no ID column."""
    dataset = dataset_for_filename(path.stem)
    assert dataset is not None, path.name
    names = _names(dataset)
    records = []
    read = 0
    for sheet, rows, merges in _sheets(path):
        found = _header(rows, merges, dataset)
        if found is None:
            continue  # a sheet without a header: instructions, an empty Sheet2
        read += 1
        # Each column is named by its bottom header cell (merged cells are spread already).
        h, bottom = found
        keys, factors = {}, {}
        units = [m.group(1) for row in rows[:h] for c in row if (m := _UNIT_ROW.search(str(c)))]
        for c, cell in enumerate(rows[bottom]):
            label, unit = _label(cell)
            if label in names:
                keys[c] = names[label]
                if dataset.column(keys[c]).type == AMOUNT:
                    factors[c] = _FACTORS[unit or (units[0] if units else "万元")]
        chain = None
        if "chain" not in keys.values():
            above = " ".join(str(c) for row in rows[:h] for c in row if c)
            chain = next(
                (x for x in (_chain_named(t) for t in (sheet or "", above, path.stem)) if x), None
            )
        for i, row in enumerate(rows[bottom + 1 :], start=bottom + 2):
            kind = _kind(row)
            if kind == "section":
                chain = _chain_named(str(row[0])) or chain
            if kind != "data":
                continue
            record = {}
            for c, value in enumerate(row):
                if c not in keys:
                    continue
                value = _norm(value)
                if value is not None and factors.get(c, 1.0) != 1.0:
                    text = str(value).replace(",", "")
                    if _AMOUNT.match(text):
                        value = round(float(text) * factors[c], 2)
                record[keys[c]] = value
            if all(v is None for v in record.values()):
                continue
            if "chain" not in keys.values() and chain:
                record["chain"] = chain
            if dataset.id_column not in keys.values():
                record[dataset.id_column] = _derived_key(dataset.key, record)
            records.append(((sheet, i), record))
    assert read, f"{path.name}: no sheet with a header holding every required column"
    return dataset, records


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value))
    if match:
        return date(*map(int, match.groups()))
    month = _MONTH.match(str(value))
    if not month:
        raise ValueError(value)
    return date(int(month.group(1)), int(month.group(2) or month.group(3)), 1)


def _problems(dataset: Dataset, row: dict[str, object]) -> list[str]:
    """What inputs.md would reject this row for (duplicate keys are checked per file)."""
    problems, parsed = [], {}
    for column in dataset.columns:
        value = row.get(column.key)
        if value is None:
            if column.required:
                problems.append(f"{column.key} missing")
            continue
        try:
            parsed[column.key] = _parse(column.type, column.code_list, value)
        except ValueError:
            problems.append(f"{column.key} = {value!r}")
    return problems + _row_rules(dataset.key, parsed)


def _parse(kind: str, code_list: str | None, value: object) -> object:
    text = str(value)
    if kind == DATE:
        return _date(value)
    if kind == AMOUNT:
        if isinstance(value, float) or _AMOUNT.match(text):
            amount = float(str(value).replace(",", ""))
            if amount < 0:
                raise ValueError(value)
            return amount
        raise ValueError(value)
    if kind == COUNT:
        if float(text) != int(float(text)) or int(float(text)) < 1:
            raise ValueError(value)
        return int(float(text))
    if kind == BOOL and _fold(text) not in _BOOLS:
        raise ValueError(value)
    if kind == CHAIN:
        for word in (text, text.removesuffix("产业链")):
            if word.lower() in _CHAINS:
                return _CHAINS[word.lower()]
        raise ValueError(value)
    if kind == ENUM:
        return _code(code_list or "", text)
    return text


def _code(code_list: str, text: str) -> str:
    """The code of an enumeration cell: label, English word, or a synonym of the seeds; a
    value ending in 项目 or 产业链 also without it."""
    for word in (text, text.removesuffix("项目"), text.removesuffix("产业链")):
        for code, labels in CODE_LISTS[code_list].items():
            if word in labels:
                return code
        if (found := _VALUE_SYNONYMS.get((code_list, "exact"), {}).get(_fold(word))) is not None:
            return found
        for prefix, code in _VALUE_SYNONYMS.get((code_list, "prefix"), {}).items():
            if _fold(word).startswith(prefix):
                return code
    raise ValueError(text)


def _row_rules(dataset: str, row: dict[str, object]) -> list[str]:
    problems = []
    if dataset == "projects":
        needs = {"signed": ["signed_date"], "started": ["signed_date", "started_date"]}
        needs["producing"] = [*needs["started"], "producing_date"]
        problems += [
            f"{row['stage']} needs {d}" for d in needs.get(row.get("stage"), []) if not row.get(d)
        ]
        days = [row[d] for d in ("signed_date", "started_date", "producing_date") if row.get(d)]
        if days != sorted(days):
            problems.append("dates out of order")
    if dataset == "chain_gaps" and row.get("status") == "closed":
        closed = row.get("closed_date")
        if not closed or closed < row["identified_date"]:
            problems.append("closed gap date")
    if dataset == "leads" and row.get("status") == "converted":
        converted = row.get("converted_date")
        if not converted or converted < row["first_contact_date"]:
            problems.append("converted lead date")
    return problems


def _rejected(name: str, dataset: Dataset, records) -> set[tuple[str, str | None, int]]:
    """(file, sheet, row) of every record inputs.md rejects; a key twice in one file (in
    any of its sheets) rejects every row holding it."""
    keys = Counter(r.get(dataset.id_column) for _, r in records)
    return {
        (name, sheet, n)
        for (sheet, n), r in records
        if _problems(dataset, r) or keys[r.get(dataset.id_column)] > 1
    }


# --------------------------------------------------------------------------- tests


def test_same_seed_scale_and_as_of_give_identical_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", as_of=AS_OF)
    second = generate(tmp_path / "b", as_of=AS_OF)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_every_dataset_is_present_and_told_by_the_file_name(demo) -> None:
    _, result = demo
    told = {dataset_for_filename(f.path.stem).key for f in result.files}
    assert told == {
        "projects",
        "chain_gaps",
        "leads",
        "talent_catalogue",
        "talent_hires",
        "leader_projects",
        "party_activities",
        "mentoring_pairs",
        "enterprise_issues",
    }
    assert all(dataset_for_filename(f.path.stem).key == f.dataset for f in result.files)


def test_an_xlsx_has_a_title_row_above_the_chinese_header(demo) -> None:
    out, _ = demo
    path = next(out.glob("南澳区新能源产业链缺口清单*.xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=10, values_only=True)]
    assert str(rows[0][0]).startswith("南澳区新能源产业链缺口清单")
    header = next(r for r in rows if "缺口编号" in r)
    assert {"所属产业链", "链条环节", "缺失环节", "识别日期", "状态"} <= set(header)
    data = rows[rows.index(header) + 1 :]
    assert any(isinstance(v, datetime) for r in data for v in r), "dates as Excel date cells"


def test_a_gb18030_csv_is_not_utf8(demo) -> None:
    out, _ = demo
    gbk = []
    for path in out.glob("*.csv"):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            gbk.append(data.decode("gb18030"))
    assert gbk and any("项目编号" in text for text in gbk)


def test_formats_are_mixed_as_offices_type_them(ledgers, demo) -> None:
    out, _ = demo
    english = [p for p in out.glob("*.csv") if p.read_bytes().startswith(b"\xef\xbb\xbfproject_id")]
    assert english, "an English-header CSV with a BOM"
    cells = {str(v) for _, rows in ledgers.values() for _, r in rows for v in r.values()}
    assert {"新能源产业链", "signed", "Y", "1", "是"} <= cells
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", c) for c in cells)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", c) for c in cells)
    raw = "".join(p.read_bytes().decode("utf-8", "replace") for p in out.glob("*.csv"))
    assert "２０２" in raw or any(
        "２０２" in str(v)
        for p in out.glob("*.xls*")
        for _, rows, _ in _sheets(p)
        for r in rows
        for v in r
    )


def test_every_row_is_valid_except_the_planted_bad_rows(ledgers, demo) -> None:
    _, result = demo
    rejected = set()
    for name, (dataset, records) in ledgers.items():
        rejected |= _rejected(name, dataset, records)
    assert rejected == {(p.file, p.sheet, p.row) for p in result.planted}
    assert 8 <= len(result.planted) <= 15  # 12, and one in each of the three issue-21 datasets


def test_references_resolve_except_the_two_planted(ledgers) -> None:
    keys: dict[str, set[object]] = {}
    for dataset, records in ledgers.values():
        keys.setdefault(dataset.key, set()).update(r.get(dataset.id_column) for _, r in records)
    unresolved = []
    for dataset, records in ledgers.values():
        for column in (c for c in dataset.columns if c.refers_to):
            for _, r in records:
                if r.get(column.key) is not None and r[column.key] not in keys[column.refers_to]:
                    unresolved.append((dataset.key, column.key, r[column.key]))
    assert sorted(unresolved) == [
        ("projects", "gap_id", "QK-NE-2023-017"),
        ("talent_hires", "position_id", "GW-SEMI-2023-044"),
    ]


def test_nothing_is_dated_after_as_of(ledgers) -> None:
    seen = 0
    for dataset, records in ledgers.values():
        dates = [c.key for c in dataset.columns if c.type == DATE]
        for _, row in records:
            for key in dates:
                try:
                    day = _date(row[key]) if row.get(key) is not None else None
                except ValueError:
                    continue  # the planted unparseable date
                if day:
                    seen += 1
                    assert date(FIRST_YEAR, 1, 1) <= day <= AS_OF, (dataset.key, key, day)
    assert seen > 2000


# The month a file name names: 2026年11月, 20261130, 202611 (handing_in.md's period).
_NAMED_MONTH = re.compile(r"(20\d{2})(?:年(\d{2})月|(\d{2})(?:\d{2})?(?!\d))")


def _named_month(name: str) -> tuple[int, int]:
    match = _NAMED_MONTH.search(name)
    assert match, name
    return int(match.group(1)), int(match.group(2) or match.group(3))


def test_each_office_hands_in_a_monthly_project_ledger_named_by_its_month(ledgers) -> None:
    """Every office's project ledgers are monthly (本月新增及进展有变化的项目) from January 2023 to
    the as-of month, their names carry the month and sort in month order, so one ingest in
    name order ends with each project's latest row; no project in a ledger twice."""
    by_office: dict[str, list[str]] = {}
    for name, (dataset, records) in ledgers.items():
        if dataset.key == "projects":
            by_office.setdefault(_chain_of(records), []).append(name)
            keys = Counter(r["project_id"] for _, r in records)
            assert [k for k, n in keys.items() if n > 1] == [], name
    assert sorted(by_office) == ["EQUIP", "MAT", "NE", "SEMI"]
    for files in by_office.values():
        months = [_named_month(f) for f in sorted(files)]
        assert months == sorted(set(months)), "name order is month order, one ledger a month"
        assert months[0] <= (FIRST_YEAR, 2) and months[-1] <= (AS_OF.year, AS_OF.month)
        assert len(months) >= 30, "a month without any change is the only one left out"


def test_a_project_comes_back_in_a_later_months_ledger_when_its_stage_moves_on(ledgers) -> None:
    """Read in name order, an office's ledgers show each project's stage moving on, never
    back: the history the stage ages count from."""
    order = ["reserve", "negotiating", "signed", "started", "producing"]
    advanced = 0
    by_office: dict[str, list[str]] = {}
    for name, (dataset, _) in ledgers.items():
        if dataset.key == "projects":
            by_office.setdefault(_chain_of(ledgers[name][1]), []).append(name)
    for files in by_office.values():
        stage: dict[object, str] = {}
        for name in sorted(files):
            for _, row in ledgers[name][1]:
                try:
                    now = _parse(ENUM, "stage", row["stage"])
                except ValueError:
                    continue  # the planted stage in no list
                before = stage.get(row["project_id"])
                if before in order and now in order:
                    assert order.index(now) >= order.index(before), (name, row["project_id"])
                    advanced += order.index(now) > order.index(before)
                stage[row["project_id"]] = now
    assert advanced >= 300


def test_month_by_month_every_reference_finds_its_row_by_that_month(ledgers, demo) -> None:
    """`kpi demo` ingests the files month by month (by_period): a project's gap and lead, a
    lead's project and a hire's position are in that month's files or an earlier month's,
    so no reference but the two planted ones is ever unresolved on the way."""
    from chainkpi.demo import by_period

    _, result = demo
    months = by_period(result.files)
    assert [m for m, _ in months] == sorted({f.period for f in result.files})
    assert months[0][0] == f"{FIRST_YEAR}-01" and months[-1][0] == f"{AS_OF:%Y-%m}"
    keys: dict[str, set[object]] = {}
    unresolved = []
    for _, paths in months:
        batch = [ledgers[p.name] for p in paths]
        for dataset, records in batch:
            keys.setdefault(dataset.key, set()).update(r.get(dataset.id_column) for _, r in records)
        for dataset, records in batch:
            for column in (c for c in dataset.columns if c.refers_to):
                for _, r in records:
                    value = r.get(column.key)
                    if value is not None and value not in keys.get(column.refers_to, set()):
                        unresolved.append(value)
    assert sorted(unresolved) == ["GW-SEMI-2023-044", "QK-NE-2023-017"]


def test_leads_and_gaps_come_month_by_month_as_they_move_on(ledgers) -> None:
    """The centre's lead list and the offices' gap lists are monthly too: a lead is listed
    again in the month its status changed (a follow-up), a gap when taken up or closed."""
    for key, code_list, moved_on in (
        ("leads", "lead_status", 300),
        ("chain_gaps", "gap_status", 40),
    ):
        status: dict[object, str] = {}
        changes = 0
        files = sorted((n for n, (d, _) in ledgers.items() if d.key == key), key=_named_month)
        for name in files:
            dataset, records = ledgers[name]
            for _, row in records:
                try:
                    now = _code(code_list, str(row["status"]))
                except ValueError:
                    continue
                before = status.get(row[dataset.id_column])
                changes += before is not None and before != now
                status[row[dataset.id_column]] = now
        assert changes >= moved_on, key


def _chain_of(records) -> str:
    return _CHAINS[str(records[0][1]["chain"]).lower()]


def test_phd_hires_scatter_around_the_target_of_fifty(ledgers) -> None:
    per_year: Counter[int] = Counter()
    for dataset, records in ledgers.values():
        if dataset.key == "talent_hires":
            for _, r in records:
                if r["degree"] in ("博士", "博士后", "phd", "postdoc"):
                    per_year[_date(r["hire_date"]).year] += 1
    assert all(40 <= per_year[y] <= 60 for y in range(FIRST_YEAR, AS_OF.year)), per_year


def test_id_numbers_carry_valid_check_digits(ledgers) -> None:
    numbers = [
        str(r["id_number"])
        for dataset, records in ledgers.values()
        if dataset.key == "talent_hires"
        for _, r in records
        if r.get("id_number")
    ]
    assert len(numbers) > 500
    assert all(re.fullmatch(r"\d{17}[\dX]", n) for n in numbers)
    assert all(id_check_digit(n[:17]) == n[17] for n in numbers)
    assert any(n.endswith("X") for n in numbers)
    assert id_check_digit("11010519491231002") == "X"  # the GB 11643 worked example


def test_scale_two_writes_about_twice_the_rows(tmp_path: Path, ledgers) -> None:
    single = sum(len(records) for _, records in ledgers.values())
    double = sum(f.rows for f in generate_detailed(tmp_path, scale=2, as_of=AS_OF).files)
    assert 1.85 <= double / single <= 2.15


# ------------------------------------------------- party building and the through trains


def _final(ledgers, key: str) -> dict[object, dict[str, object]]:
    """The dataset's records as they stand after reading its files in name order (name order
    is period order within an office): the newest row per key, the planted rows left out."""
    rows: dict[object, dict[str, object]] = {}
    for name in sorted(n for n, (d, _) in ledgers.items() if d.key == key):
        dataset, records = ledgers[name]
        for _, record in records:
            if not _problems(dataset, record):
                rows[record[dataset.id_column]] = record
    return rows


def test_each_chain_party_committee_meets_every_quarter_but_one_missed_quarter(ledgers) -> None:
    """Four committee meetings a year per chain (one a quarter), but one chain missed one
    finished quarter of the as-of year: its quarterly KPI shows off track. One or two
    party-building trainings a year per chain, and other kinds of activity besides."""
    activities = _final(ledgers, "party_activities").values()
    kinds = Counter(_code("activity_type", str(a["activity_type"])) for a in activities)
    assert {"committee_meeting", "training", "work_report", "party_day"} <= set(kinds)
    meetings: Counter[tuple[str, int, int]] = Counter()
    trainings: Counter[tuple[str, int]] = Counter()
    for a in activities:
        chain, day = _parse(CHAIN, None, a["chain"]), _date(a["activity_date"])
        kind = _code("activity_type", str(a["activity_type"]))
        if kind == "committee_meeting":
            meetings[(chain, day.year, (day.month - 1) // 3 + 1)] += 1
        elif kind == "training":
            trainings[(chain, day.year)] += 1
    running = (AS_OF.year, (AS_OF.month - 1) // 3 + 1)
    finished = [
        (chain, year, q)
        for chain in ("NE", "SEMI", "EQUIP", "MAT")
        for year in range(FIRST_YEAR, AS_OF.year + 1)
        for q in range(1, 5)
        if (year, q) < running
    ]
    missed = [k for k in finished if meetings[k] == 0]
    assert len(missed) == 1 and missed[0][1] == AS_OF.year, missed
    assert all(meetings[k] == 1 for k in finished if k not in missed)
    assert max(meetings.values()) == 1
    full_years = [
        (c, y) for c in ("NE", "SEMI", "EQUIP", "MAT") for y in range(FIRST_YEAR, AS_OF.year)
    ]
    assert all(1 <= trainings[k] <= 2 for k in full_years), trainings


def test_advanced_party_organisations_mentor_about_five_each(ledgers) -> None:
    """Per chain a few mentor organisations, each with about five mentees in hand (3 to 7 at
    the start); some pairs ended, with their end date, and mostly replaced."""
    pairs = _final(ledgers, "mentoring_pairs").values()
    active: Counter[str] = Counter()
    ended = 0
    mentors_by_chain: dict[str, set[str]] = {}
    for pair in pairs:
        status = _code("pairing_status", str(pair["status"]))
        mentors_by_chain.setdefault(_parse(CHAIN, None, pair["chain"]), set()).add(
            str(pair["mentor_org"])
        )
        if status == "active":
            active[str(pair["mentor_org"])] += 1
            assert pair.get("ended_date") is None
        else:
            ended += 1
            assert _date(pair["ended_date"]) >= _date(pair["signed_date"])
    assert sorted(mentors_by_chain) == ["EQUIP", "MAT", "NE", "SEMI"]
    assert all(2 <= len(m) <= 5 for m in mentors_by_chain.values())
    assert all(2 <= n <= 8 for n in active.values()), active
    assert 4 <= sum(active.values()) / len(active) <= 6
    assert ended >= 5


def test_through_train_issues_take_weeks_with_a_long_tail_and_some_stay_open(ledgers) -> None:
    """A few dozen issues a year across the three trains; resolved in two to three weeks at
    the median, some after months; a few open past 60 days as of the as-of day; some
    unresolvable; most resolved ones rated; summaries may name a (made-up) person."""
    from statistics import median

    from chainkpi.demo import CONTACTS
    from chainkpi.demo.words import ISSUE_PEOPLE

    issues = list(_final(ledgers, "enterprise_issues").values())
    per_year = Counter(_date(i["received_date"]).year for i in issues)
    assert all(20 <= per_year[y] <= 60 for y in range(FIRST_YEAR, AS_OF.year + 1)), per_year
    assert {_code("issue_track", str(i["track"])) for i in issues} == {
        "policy",
        "resources",
        "problem",
    }
    status = [_code("issue_status", str(i["status"])) for i in issues]
    days = [
        (_date(i["resolved_date"]) - _date(i["received_date"])).days
        for i, s in zip(issues, status, strict=True)
        if s == "resolved"
    ]
    assert 10 <= median(days) <= 25 and max(days) > 60
    open_days = [
        (AS_OF - _date(i["received_date"])).days
        for i, s in zip(issues, status, strict=True)
        if s == "open"
    ]
    assert all(
        i.get("resolved_date") is None for i, s in zip(issues, status, strict=True) if s == "open"
    )
    assert sum(d > 60 for d in open_days) >= 2 and any(d <= 30 for d in open_days)
    assert status.count("unresolvable") >= 2
    resolved = [i for i, s in zip(issues, status, strict=True) if s == "resolved"]
    assert sum(i.get("satisfaction") is not None for i in resolved) >= 0.75 * len(resolved)
    summaries = " ".join(str(i["summary"]) for i in issues)
    assert any(person in summaries for person in ISSUE_PEOPLE)
    assert not any(name in summaries or phone in summaries for name, phone in CONTACTS)


def test_the_new_ledgers_ingest_with_only_their_planted_rejections(demo, tmp_path) -> None:
    """The party-building, mentoring and through-train ledgers through the real ingest, month
    by month as `kpi demo` hands them in: every file loads, and the only rows rejected are the
    one planted in each of the three datasets."""
    from chainkpi.demo import by_period
    from chainkpi.ingest.pipeline import ingest
    from tests.conftest import workspace_env

    _, result = demo
    new = ("party_activities", "mentoring_pairs", "enterprise_issues")
    files = [f for f in result.files if f.dataset in new]
    assert {f.dataset for f in files} == set(new)
    rejected, loaded = set(), 0
    with workspace_env(tmp_path / "home") as workspace:
        for _, paths in by_period(files):
            for report in ingest(paths, workspace).files:
                assert report.status == "loaded", (report.file, report.errors)
                loaded += report.rows_loaded
                rejected |= {(Path(report.file).name, r["row"]) for r in report.rejected_rows}
    planted = {(p.file, p.row) for p in result.planted if p.file in {f.path.name for f in files}}
    assert len(planted) == 3
    assert rejected == planted
    assert loaded == sum(f.rows for f in files) - 3
