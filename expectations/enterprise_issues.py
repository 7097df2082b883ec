"""企业诉求 — enterprises' problems collected by the three through trains (直通车)."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations, not_before, required_when


def expectations() -> list:
    return [
        *contract_expectations(DATASETS["enterprise_issues"]),
        required_when("resolved_date", "status", ["resolved", "unresolvable"], "status_needs_date"),
        not_before("resolved_date", "received_date"),
    ]
