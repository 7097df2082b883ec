"""Run the Great Expectations suites of `expectations/` on typed ledger frames.

GX is imported here and only here, lazily, once per process. Results are asked for with the
row index only where it matters; the frame GX sees has personal columns already masked, so
no result can carry a clear name, ID number or phone.

A GX run has a fixed cost whatever the size of the frame (it builds the metric graph of
every expectation anew; figures in docs/benchmarks.md), so `run_suite_per_frame` checks
several files of one dataset in one run when the suite allows it — see there.

`kpi ingest` runs the suites in a process of its own (worker.py): importing GX takes
seconds, and the worker pays that while the ingest reads and parses the files, then checks
one batch while the ingest loads the one before and reads the next (two cores, both busy).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
            # Made whole, then added: `suite.add_expectation` one by one re-serialises the
            # stored suite each time (docs/benchmarks.md).
            suite = self.context.suites.add(
                gx.ExpectationSuite(name=f"{dataset}_suite", expectations=expectations_for(dataset))
            )
            self._definitions[dataset] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{dataset}_validation", data=self.batch, suite=suite)
            )
        return self._definitions[dataset]


@cache
def _validator() -> _Validator:
    return _Validator()


# Expectations that judge each row on its own: on several files stacked they find exactly
# what they find on each file alone. (expect_column_values_to_be_unique is handled apart.)
ROW_WISE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
UNIQUE = "expect_column_values_to_be_unique"
# Rules blind to the value itself, which may share a column with UNIQUE (see below).
VALUE_BLIND = frozenset({UNIQUE, "expect_column_values_to_not_be_null"})
# A row condition that looks at its own row only: `column in [literal, ...]`.
_ROW_CONDITION = re.compile(r"^\s*(\w+)\s+in\s+\[[^\[\]()]*\]\s*$")


@cache
def suite_columns(dataset: str) -> frozenset[str]:
    """The columns the dataset's suite looks at (its expectations' and row conditions')."""
    from expectations import expectations_for

    columns: set[str] = set()
    for expectation in expectations_for(dataset):
        columns |= {getattr(expectation, n, None) for n in ("column", "column_A", "column_B")}
        condition = getattr(expectation, "row_condition", None)
        if condition is not None:
            text = getattr(condition, "pass_through_filter", condition)
            columns |= set(re.findall(r"[A-Za-z_]\w*", str(text)))
    columns.discard(None)
    return frozenset(columns)


@cache
def _stacking_plan(dataset: str) -> tuple[str, ...] | None:
    """The columns to keep unique per file when the suite can run on stacked files, else None.

    Stacking is exact for row-wise rules. Uniqueness holds per file (the same key in two files
    is an update, not a duplicate), so the stacked frame qualifies those columns' values with
    the file's number — allowed only where no other rule looks at those values."""
    from expectations import expectations_for

    unique: set[str] = set()
    valued: set[str] = set()
    for expectation in expectations_for(dataset):
        kind = expectation.expectation_type
        if kind not in ROW_WISE and kind != UNIQUE:
            return None
        columns = {getattr(expectation, n, None) for n in ("column", "column_A", "column_B")}
        columns.discard(None)
        condition = getattr(expectation, "row_condition", None)
        if condition is not None:
            text = getattr(condition, "pass_through_filter", condition)
            match = _ROW_CONDITION.match(text) if isinstance(text, str) else None
            if match is None or getattr(expectation, "condition_parser", None) != "pandas":
                return None
            valued.add(match.group(1))
        if kind == UNIQUE:
            unique |= columns
        elif kind not in VALUE_BLIND:
            valued |= columns
    if unique & valued:
        return None
    return tuple(sorted(unique))


@cache
def _key_columns(dataset: str) -> frozenset[str]:
    """The columns the suite checks for uniqueness: high-cardinality text, kept as objects."""
    from expectations import expectations_for

    return frozenset(e.column for e in expectations_for(dataset) if e.expectation_type == UNIQUE)


def to_frame(table: pa.Table, columns: frozenset[str], keys: frozenset[str]) -> pd.DataFrame:
    """The pandas frame GX checks, of the named columns only: key text as Python objects
    (None where missing), other text as categoricals (a code list's few labels: no Python
    string per cell, and the same answers from isin, isnull and row conditions), dates
    datetime64, amounts float64 (NaN), counts Int64 (NA), flags bool."""
    data: dict[str, Any] = {}
    for name in table.column_names:
        if name not in columns:
            continue
        values = table.column(name).combine_chunks()
        if pa.types.is_integer(values.type):
            data[name] = values.to_pandas(types_mapper={values.type: pd.Int64Dtype()}.get)
        elif pa.types.is_timestamp(values.type):
            data[name] = values.to_pandas()
        elif _is_text(values.type) and name in keys:
            data[name] = pd.Series(values.to_numpy(zero_copy_only=False), dtype=object)
        elif _is_text(values.type) or pa.types.is_null(values.type):
            data[name] = values.cast(pa.large_string()).dictionary_encode().to_pandas()
        else:  # float64 (NaN where missing), bool
            data[name] = pd.Series(values.to_numpy(zero_copy_only=False))
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def run_suite_per_frame(dataset: str, tables: list[pa.Table]) -> list[list[Failure]]:
    """The suite's failures for each of several tables of one dataset, by each table's own
    row positions: one GX run over the tables stacked when the suite allows it (the per-run
    cost paid once), else one run per table. GX sees only the columns its suite looks at."""
    looked_at, keys = suite_columns(dataset), _key_columns(dataset)
    plan = _stacking_plan(dataset) if len([t for t in tables if len(t)]) > 1 else None
    if plan is not None and any(
        column not in table.column_names or not _is_text(table.schema.field(column).type)
        for table in tables
        for column in plan
    ):
        plan = None  # qualified keys are text: keys of another type are checked file by file
    if plan is None:
        return [run_suite(dataset, to_frame(t, looked_at, keys)) for t in tables]
    parts = []
    for number, table in enumerate(tables):
        table = table.select([c for c in table.column_names if c in looked_at])
        for column in plan:
            index = table.column_names.index(column)
            qualified = pc.binary_join_element_wise(
                pa.scalar(f"{number}\x1f", pa.large_string()),
                table.column(column).cast(pa.large_string()),
                pa.scalar("", pa.large_string()),
            )
            table = table.set_column(index, column, qualified)
        parts.append(table)
    stacked = pa.concat_tables(parts, promote_options="permissive")
    starts = np.cumsum([0] + [len(table) for table in tables])
    found: list[list[Failure]] = [[] for _ in tables]
    for failure in run_suite(dataset, to_frame(stacked, looked_at, keys)):
        number = int(np.searchsorted(starts, failure.position, side="right")) - 1
        found[number].append(
            Failure(failure.position - int(starts[number]), failure.column, failure.rule)
        )
    return found


def _raised(info: dict | None) -> str | None:
    """The message of an exception GX caught while checking, else None. GX 1.x reports one
    either flat ({"raised_exception": True, ...}) or per metric ({metric id: {...}, ...})."""
    if not info:
        return None
    if "raised_exception" in info:
        if not info["raised_exception"]:
            return None
        return info.get("exception_message") or "(no message)"
    for nested in info.values():
        if isinstance(nested, dict) and (found := _raised(nested)):
            return found
    return None


def run_suite(dataset: str, frame: pd.DataFrame) -> list[Failure]:
    if len(frame) == 0:  # (not frame.empty: a frame of rows but no column must fail)
        return []
    result = (
        _validator()
        .definition(dataset)
        .run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)
    )
    failures: list[Failure] = []
    for item in result.results:
        config = item.expectation_config
        rule = (config.meta or {}).get("rule", config.type)
        column = config.kwargs.get("column") or config.kwargs.get("column_A")
        raised = _raised(item.exception_info)
        if raised is not None:
            raise RuntimeError(f"expectation {config.type} on {column} raised: {raised}")
        positions = item.result.get("unexpected_index_list") or []
        if not item.success and not positions:
            # Failed without naming a row: nothing to reject, and the rows must not pass.
            raise RuntimeError(f"expectation {config.type} on {column} failed on no row")
        failures.extend(Failure(int(p), column, rule) for p in positions)
    return failures


Frames = dict[str, list[pa.Table]]  # dataset -> the typed tables of a batch's files


def serve(connection) -> None:
    """The worker's loop (worker.py): import GX at once, then check the batches sent, in
    order, until told to stop. A batch's results go back one dataset at a time, in the order
    of its frames, as each is done: the ingest loads those files while the next is checked.
    After an error the rest of that batch is not checked (the ingest stops at the error)."""
    try:
        _validator()
    except Exception as exc:  # reported with the first batch, in the ingest's own process
        failed: str | None = f"{type(exc).__name__}: {exc}"
    else:
        failed = None
    while True:
        try:
            frames = connection.recv()
        except EOFError:
            return
        if frames is None:
            return
        for dataset, items in frames.items():
            if failed:
                connection.send(("error", failed))
                break
            try:
                found = run_suite_per_frame(dataset, items)
            except Exception as exc:
                connection.send(("error", f"{type(exc).__name__}: {exc}"))
                break
            connection.send(("ok", (dataset, found)))
