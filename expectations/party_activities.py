"""党建活动 — party-building activities of the chain party committees."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations


def expectations() -> list:
    return contract_expectations(DATASETS["party_activities"])
