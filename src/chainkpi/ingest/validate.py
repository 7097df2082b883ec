"""Run the Great Expectations suites of `expectations/` on a typed ledger frame.

GX is imported here and only here, lazily, once per process. Results are asked for with the
row index only where it matters; the frame GX sees has personal columns already masked, so
no result can carry a clear name, ID number or phone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [],
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}


@dataclass(frozen=True)
class Failure:
    position: int  # row position in the frame
    column: str
    rule: str


@dataclass(frozen=True)
class SuiteOutcome:
    """What one suite said about one frame, for the log (counts only, no values)."""

    expectation: str
    column: str
    rule: str
    success: bool
    unexpected_count: int


class _Validator:
    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("ledgers")
        self.asset = source.add_dataframe_asset("ledger")
        self.batch = self.asset.add_batch_definition_whole_dataframe("whole_file")
        self._definitions: dict[str, Any] = {}

    def definition(self, dataset: str):
        if dataset not in self._definitions:
            from expectations import expectations_for

            gx = self._gx
            suite = self.context.suites.add(gx.ExpectationSuite(name=f"{dataset}_suite"))
            for expectation in expectations_for(dataset):
                suite.add_expectation(expectation)
            self._definitions[dataset] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{dataset}_validation", data=self.batch, suite=suite)
            )
        return self._definitions[dataset]


@cache
def _validator() -> _Validator:
    return _Validator()


def warm_up() -> None:
    """Import GX before the per-file work starts (it takes seconds; say so once)."""
    _validator()


def run_suite(dataset: str, frame: pd.DataFrame) -> tuple[list[Failure], list[SuiteOutcome]]:
    if frame.empty:
        return [], []
    result = (
        _validator()
        .definition(dataset)
        .run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)
    )
    failures: list[Failure] = []
    outcomes: list[SuiteOutcome] = []
    for item in result.results:
        config = item.expectation_config
        rule = (config.meta or {}).get("rule", config.type)
        column = config.kwargs.get("column") or config.kwargs.get("column_A")
        if item.exception_info and item.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {config.type} on {column} raised: "
                f"{item.exception_info.get('exception_message')}"
            )
        positions = item.result.get("unexpected_index_list") or []
        outcomes.append(SuiteOutcome(config.type, column, rule, bool(item.success), len(positions)))
        failures.extend(Failure(int(p), column, rule) for p in positions)
    return failures, outcomes
