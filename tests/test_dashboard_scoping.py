"""Chain scoping in dashboards/queries.py is on by default: a query written tomorrow that forgets
to say anything is scoped to a chain office's own chain (or refused), never read whole."""

from __future__ import annotations

import pytest

from dashboards import queries

# A query as a newcomer would add it: rows with a chain_code, no word about scoping.
NEW_CHAIN_QUERY = "select project_id, chain_code from main.dim_project_pipeline order by project_id"
# And one whose rows have no chain_code at all.
NEW_UNCHAINED_QUERY = "select count(*) as project_count from main.dim_project_pipeline"


@pytest.fixture
def as_role(home, monkeypatch):
    """Sign in as `role` (what the sign-in form does to the server-side session)."""
    import streamlit as st

    from dashboards.signin import USER_KEY

    monkeypatch.setenv("CHAINKPI_HOME", str(home))

    def sign_in(role: str) -> None:
        st.session_state[USER_KEY] = {"username": "t", "role": role, "display_name": "t"}

    yield sign_in
    st.session_state.pop(USER_KEY, None)


def test_a_new_query_that_declares_nothing_is_scoped_for_a_chain_office(as_role):
    as_role("analyst")
    every_chain = set(queries.fetch(NEW_CHAIN_QUERY).chain_code)
    assert len(every_chain - {"NE"}) >= 1  # there are neighbours' rows to keep away
    as_role("chain:NE")
    assert set(queries.fetch(NEW_CHAIN_QUERY).chain_code) <= {"NE", "ALL"}
    assert "NE" in set(queries.fetch(NEW_CHAIN_QUERY).chain_code)


def test_a_new_query_without_chain_code_is_refused_for_a_chain_office(as_role):
    as_role("chain:NE")
    with pytest.raises(queries.NotAllowed):
        queries.fetch(NEW_UNCHAINED_QUERY)
    # Said district-wide, it is read whole: the author has decided.
    whole = queries.fetch(NEW_UNCHAINED_QUERY, district_wide=True)
    as_role("district")
    assert int(whole.project_count.iloc[0]) == int(
        queries.fetch(NEW_UNCHAINED_QUERY).project_count.iloc[0]
    )
