"""The validation rules of every ledger, declared once as Great Expectations (1.x) suites.

One module per dataset. Each exposes `expectations() -> list[Expectation]`; the rules that
follow from the input contract's column table (required, code lists, amounts, counts, the
key) are made by `_common.contract_expectations`, the dataset's own rules (dates in order, a
stage that needs its date) are written out in the module. Each expectation carries
`meta={"rule": <code>}`: the rule code an ingest report names (see
`chainkpi.ingest.rules`).

Great Expectations takes seconds to import: only the ingest imports this package, lazily.
"""

from __future__ import annotations

import importlib

DATASET_MODULES = (
    "projects",
    "chain_gaps",
    "leads",
    "talent_catalogue",
    "talent_hires",
    "leader_projects",
    "party_activities",
    "mentoring_pairs",
    "enterprise_issues",
)


def expectations_for(dataset: str) -> list:
    if dataset not in DATASET_MODULES:
        raise KeyError(dataset)
    module = importlib.import_module(f"expectations.{dataset}")
    return module.expectations()
