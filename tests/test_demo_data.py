"""The demo-ledger generator: deterministic, all six datasets, real office formats.

The tests read the files back with a small reader of their own that follows inputs.md (not
the ingest's), so the generator is checked against the contract itself: every row is valid
except exactly the planted bad rows.
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
from python_calamine import CalamineWorkbook

from chainkpi.demo import generate, generate_detailed, id_check_digit
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
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?: \d{1,2}:\d{2}:\d{2})?$")
_AMOUNT = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")
_BOOLS = {"是", "否", "y", "n", "yes", "no", "true", "false", "1", "0"}
_CHAINS = {a.lower(): code for code, aliases in CHAINS.items() for a in (code, *aliases)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    return out, generate_detailed(out, as_of=AS_OF)


@pytest.fixture(scope="module")
def ledgers(demo) -> dict[str, tuple[Dataset, list[tuple[int, dict[str, object]]]]]:
    out, _ = demo
    return {p.name: _read(p) for p in sorted(out.iterdir())}


# --------------------------------------------------------------------------- a reader


def _norm(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
        return None if value in MISSING_TOKENS else value
    return None if value is None else value


def _raw_rows(path: Path) -> list[list[object]]:
    if path.suffix == ".xlsx":
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return list(csv.reader(text.splitlines()))


def _read(path: Path) -> tuple[Dataset, list[tuple[int, dict[str, object]]]]:
    """Dataset, and (row number as a person sees it, {key: normalised cell}) per data row."""
    dataset = dataset_for_filename(path.stem)
    assert dataset is not None, path.name
    names = {}
    for column in dataset.columns:
        names[unicodedata.normalize("NFKC", column.header_zh)] = column.key
        names[column.key] = column.key
    rows = _raw_rows(path)
    headers = [[names.get(str(_norm(c))) for c in row] for row in rows[:10]]
    # The header is the first of the first 10 rows that holds every required column.
    h = next((i for i, keys in enumerate(headers) if set(dataset.required) <= set(keys)), None)
    assert h is not None, f"{path.name}: no header row with every required column"
    keys = headers[h]
    records = []
    for i, row in enumerate(rows[h + 1 :], start=h + 2):
        records.append((i, {k: _norm(v) for k, v in zip(keys, row, strict=False) if k}))
    return dataset, records


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value))
    if not match:
        raise ValueError(value)
    return date(*map(int, match.groups()))


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
    if kind == BOOL and text.lower() not in _BOOLS:
        raise ValueError(value)
    if kind == CHAIN:
        return _CHAINS[text.lower()] if text.lower() in _CHAINS else _fail(value)
    if kind == ENUM:
        for code, labels in CODE_LISTS[code_list or ""].items():
            if text in labels:
                return code
        raise ValueError(value)
    return text


def _fail(value: object) -> object:
    raise ValueError(value)


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


def _rejected(name: str, dataset: Dataset, records) -> set[tuple[str, int]]:
    keys = Counter(r.get(dataset.id_column) for _, r in records)
    return {
        (name, n) for n, r in records if _problems(dataset, r) or keys[r.get(dataset.id_column)] > 1
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
    }
    assert all(dataset_for_filename(f.path.stem).key == f.dataset for f in result.files)


def test_an_xlsx_has_a_title_row_above_the_chinese_header(demo) -> None:
    out, _ = demo
    path = next(out.glob("南澳区新能源产业链项目储备库*.xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=10, values_only=True)]
    assert str(rows[0][0]).startswith("南澳区新能源产业链项目储备库")
    header = next(r for r in rows if "项目编号" in r)
    assert {"项目名称", "所属产业链", "计划总投资（万元）", "项目阶段", "签约日期"} <= set(header)
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
        "２０２" in str(v) for p in out.glob("*.xlsx") for r in _raw_rows(p) for v in r
    )


def test_every_row_is_valid_except_the_planted_bad_rows(ledgers, demo) -> None:
    _, result = demo
    rejected = set()
    for name, (dataset, records) in ledgers.items():
        rejected |= _rejected(name, dataset, records)
    assert rejected == {(p.file, p.row) for p in result.planted}
    assert 8 <= len(result.planted) <= 12


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
                    assert date(2024, 1, 1) <= day <= AS_OF, (dataset.key, key, day)
    assert seen > 2000


def test_later_project_files_sort_after_earlier_ones_and_advance_stages(ledgers) -> None:
    order = ["reserve", "negotiating", "signed", "started", "producing"]
    advanced = 0
    by_office: dict[str, list[str]] = {}
    for name, (dataset, records) in ledgers.items():
        if dataset.key == "projects":
            by_office.setdefault(_chain_of(records), []).append(name)
    assert sorted(by_office) == ["EQUIP", "MAT", "NE", "SEMI"]
    for files in by_office.values():
        assert len(files) == 2, files
        files.sort()  # the ingest takes files in name order: the later snapshot must win
        early, late = ({r["project_id"]: r for _, r in ledgers[f][1]} for f in files)
        assert set(early) < set(late)
        for key, row in early.items():
            before, after = (_parse(ENUM, "stage", r["stage"]) for r in (row, late[key]))
            if before in order and after in order and order.index(after) > order.index(before):
                advanced += 1
    assert advanced >= 20


def _chain_of(records) -> str:
    return _CHAINS[str(records[0][1]["chain"]).lower()]


def test_phd_hires_scatter_around_the_target_of_fifty(ledgers) -> None:
    per_year: Counter[int] = Counter()
    for dataset, records in ledgers.values():
        if dataset.key == "talent_hires":
            for _, r in records:
                if r["degree"] in ("博士", "博士后", "phd", "postdoc"):
                    per_year[_date(r["hire_date"]).year] += 1
    assert 40 <= per_year[2024] <= 60 and 40 <= per_year[2025] <= 60


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
