"""帮带结对 — advanced party organisations mentoring weaker ones."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations, not_before, required_when


def expectations() -> list:
    return [
        *contract_expectations(DATASETS["mentoring_pairs"]),
        required_when("ended_date", "status", ["ended"], "status_needs_date"),
        not_before("ended_date", "signed_date"),
    ]
