"""产业链缺口 — the chain's missing links."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations, not_before, required_when


def expectations() -> list:
    return [
        *contract_expectations(DATASETS["chain_gaps"]),
        required_when("closed_date", "status", ["closed"], "status_needs_date"),
        not_before("closed_date", "identified_date"),
    ]
