"""人才引进 — only the rules that follow from the contract's column table."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations


def expectations() -> list:
    return contract_expectations(DATASETS["talent_hires"])
