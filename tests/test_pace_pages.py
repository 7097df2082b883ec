"""Pace by the calendar on the pages (spec/dashboard.md): the overview and the export page
default to the last finished quarter, the running quarter is one click away and says it is
running (as of the warehouse's date), a quarter of a year that is over says so."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_scope_pages import APP, navigate, open_page  # noqa: F401


@pytest.fixture(autouse=True)
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def periods(workspace_home) -> list[tuple]:
    con = duckdb.connect(str(workspace_home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        return con.execute(
            "select year, quarter, min(period_state), max(as_of_date) from main.fct_kpi_progress "
            "group by 1, 2 order by 1, 2"
        ).fetchall()
    finally:
        con.close()


def _select(at: AppTest, label: str):
    return next(s for s in at.selectbox if s.label == label)


@pytest.mark.parametrize("page", ["overview", "export"])
def test_a_page_opens_on_the_last_finished_quarter(home, page):
    finished = [(y, q) for y, q, state, _ in periods(home) if state == "finished"]
    at = open_page(page, "district")
    assert (int(_select(at, "年份").value), int(_select(at, "季度").value)) == finished[-1]


def test_the_running_quarter_says_so_and_a_year_over_too(home):
    rows = periods(home)
    running = [(y, q, day) for y, q, state, day in rows if state == "running"]
    at = open_page("overview", "district")
    captions = " ".join(c.value for c in at.caption)
    as_of = rows[-1][3]
    if running:
        year, quarter, day = running[-1]
        label = _select(at, "季度").format_func(quarter)
        assert label == f"第{quarter}季度（进行中，截至{day.month}月{day.day}日）"
        at = open_page("overview", "district", year=year, quarter=quarter)
        assert "进行中（截至" in " ".join(c.value for c in at.caption)
    past = [(y, q) for y, q, _, _ in rows if y < pd_year(as_of)]
    if past:
        at = open_page("overview", "district", year=past[0][0], quarter=past[0][1])
        assert "已结束" in " ".join(c.value for c in at.caption)
    assert running or past, (rows, captions)


def pd_year(day) -> int:
    return day.year if isinstance(day, dt.date) else int(str(day)[:4])


def test_the_default_is_the_last_finished_quarter_not_the_running_one():
    import pandas as pd

    from dashboards import ui

    frame = pd.DataFrame(
        {
            "year": [2026, 2026, 2026, 2026],
            "quarter": [1, 2, 3, 4],
            "period_state": ["finished", "finished", "finished", "running"],
            "as_of_date": [dt.date(2026, 12, 2)] * 4,
        }
    )
    assert ui.default_quarter(frame) == (2026, 3)
    assert ui.running_quarter(frame) == (2026, 4, dt.date(2026, 12, 2))
    assert ui.period_note(frame, 2026, 4).startswith("进行中（截至12月2日）")
    assert ui.period_note(frame, 2026, 3) is None
    over = frame.assign(as_of_date=[dt.date(2027, 1, 5)] * 4, period_state="finished")
    assert ui.period_note(over, 2026, 4).startswith("已结束")
    assert ui.default_quarter(over) == (2026, 4)
