"""A chain office's quarterly export follows its scope on the page and on the command line: its
workbook carries no other chain's rows and no ledger file (a file is not one chain's; the
rejected rows are the analysts'), while the district's keeps the data-quality sheets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
import streamlit as st

from chainkpi.export import write_export
from chainkpi.settings import Workspace
from dashboards.signin import USER_KEY

KPI = str(Path(sys.executable).with_name("kpi"))
OTHER_CHAINS = ("SEMI", "半导体和电子信息", "先进装备制造", "新材料", "EQUIP", "MAT")


@pytest.fixture(scope="module")
def file_names(home) -> list[str]:
    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        names = [
            n for (n,) in con.execute("select file_name from main.fct_ingest_files").fetchall()
        ]
    finally:
        con.close()
    assert len(names) >= 5  # the hand-made ledgers: several files, NE and SEMI rows in some
    return names


def cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
        if cell.value is not None
    ]  # fmt: skip


def assert_only_ne(xlsx: Path, file_names: list[str]) -> None:
    wb = openpyxl.load_workbook(xlsx)
    assert "数据质量" not in wb.sheetnames and "拒收明细" not in wb.sheetnames
    text = cells(xlsx)
    for name in file_names:
        assert not any(name in cell for cell in text), name
    for other in OTHER_CHAINS:
        assert not any(other in cell for cell in text), other
    assert any("台账文件与拒收明细为全区口径，不在本导出中" in cell for cell in text)


def test_a_chain_export_names_no_ledger_file_and_no_other_chain(home, file_names, tmp_path):
    paths = write_export(Workspace(home), 2025, 2, tmp_path, chain="NE")
    assert_only_ne(paths[1], file_names)


def test_the_district_export_keeps_its_data_quality_sheets(home, file_names, tmp_path):
    xlsx = write_export(Workspace(home), 2025, 2, tmp_path)[1]
    assert openpyxl.load_workbook(xlsx).sheetnames[-2:] == ["数据质量", "拒收明细"]
    text = cells(xlsx)
    assert all(any(name == cell for cell in text) for name in file_names)


def test_kpi_export_for_a_chain_follows_the_same_scope(home, file_names, tmp_path):
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    done = subprocess.run(
        [KPI, "export", "--year", "2025", "--quarter", "2", "--chain", "NE", "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_only_ne(tmp_path / "target_tracking_2025Q2_NE.xlsx", file_names)


def test_the_export_page_gives_a_chain_office_its_own_chains_export(
    home, file_names, tmp_path, monkeypatch
):
    from dashboards import queries

    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    st.session_state[USER_KEY] = {"username": "t", "role": "chain:NE", "display_name": "t"}
    try:
        # Whatever chain the page asks for (全区 here), a chain office gets its own.
        files = dict(queries.export_files(2025, 2, None, "zh"))
    finally:
        st.session_state.pop(USER_KEY, None)
    assert sorted(files) == ["kpi_progress_2025Q2_NE.csv", "target_tracking_2025Q2_NE.xlsx"]
    xlsx = tmp_path / "page.xlsx"
    xlsx.write_bytes(files["target_tracking_2025Q2_NE.xlsx"])
    assert_only_ne(xlsx, file_names)
