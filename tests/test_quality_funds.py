"""Funds in place that fell, on the data-quality page (party_service_funds.md: "A running total
that falls is a correction: it counts as it is … and the data-quality page lists it").

The small shared warehouse (conftest's `home`: test_build's hand-made ledgers through the real
ingest and dbt build) has one: NE's project P003 reported 400 万元 in place in the ledger of
2025-03 and 350 in the ledger of 2025-06 (projects_2025-06.csv). The page is run by AppTest;
a chain office sees its own chain's corrections only, filtered where the data is read
(queries.fetch), not on the page.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"
TITLE_ZH, TITLE_EN = "到位资金调减", "Funds in place lowered"
NONE_ZH = "没有到位资金调减的项目。"


@pytest.fixture(autouse=True)
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def quality_page(role: str, lang: str = "zh") -> AppTest:
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), role=role)
    if lang == "en":
        at.query_params["lang"] = "en"
    at.run()
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def corrections_table(at: AppTest, column: str = "调减（万元）") -> pd.DataFrame | None:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) <= 1
    return found[0] if found else None


def page_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "text", "title", "subheader", "info", "success", "selectbox")
    shown = " ".join(str(e.value) for kind in kinds for e in getattr(at, kind))
    return shown + " ".join(d.value.to_string() for d in at.dataframe)


@pytest.mark.parametrize("role", ["analyst", "district", "chain:NE", "office:NE"])
def test_the_fall_of_a_projects_funds_in_place_is_listed(role):
    at = quality_page(role)
    assert TITLE_ZH in [s.value for s in at.subheader]
    table = corrections_table(at)
    assert table is not None, page_text(at)
    assert table.to_dict("records") == [
        {
            "项目编号": "P003",
            "项目名称": table["项目名称"].iloc[0],  # the ledger helper's made-up name
            "产业链": "新能源",
            "上期": "2025-03",
            "上期到位资金（万元）": 400.0,
            "本期": "2025-06",
            "本期到位资金（万元）": 350.0,
            "调减（万元）": -50.0,
            "台账文件": "projects_2025-06.csv",
        }
    ]
    assert NONE_ZH not in page_text(at)


@pytest.mark.parametrize("role", ["chain:SEMI", "office:SEMI", "chain:MAT"])
def test_a_chain_office_sees_no_other_chains_correction(role):
    at = quality_page(role)
    assert TITLE_ZH in [s.value for s in at.subheader]
    assert corrections_table(at) is None
    assert NONE_ZH in [s.value for s in at.success]
    assert "P003" not in page_text(at)


def test_the_corrections_read_in_english():
    at = quality_page("analyst", lang="en")
    assert TITLE_EN in [s.value for s in at.subheader]
    table = corrections_table(at, "Change (10k CNY)")
    assert table is not None
    assert list(table["Project ID"]) == ["P003"]
    assert list(table["Chain"]) == ["New energy"]


def test_the_query_is_scoped_to_a_chain_office_where_it_reads():
    """queries.funds_corrections() itself gives a chain office its own chain's rows (fetch's
    default scope), not the page."""
    import streamlit as st

    from dashboards import queries
    from dashboards.signin import USER_KEY

    try:
        for role, expected in (("analyst", ["P003"]), ("district", ["P003"]),
                               ("chain:NE", ["P003"]), ("chain:SEMI", [])):  # fmt: skip
            st.session_state[USER_KEY] = {"username": "q", "role": role, "display_name": "q"}
            assert list(queries.funds_corrections().project_id) == expected, role
    finally:
        st.session_state.pop(USER_KEY, None)
