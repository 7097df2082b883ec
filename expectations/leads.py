"""招商线索 — investor leads."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations, not_before, required_when


def expectations() -> list:
    return [
        *contract_expectations(DATASETS["leads"]),
        required_when("converted_date", "status", ["converted"], "status_needs_date"),
        not_before("converted_date", "first_contact_date"),
    ]
