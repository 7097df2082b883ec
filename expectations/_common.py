"""Expectations that follow from the input contract's column table, and small builders."""

from __future__ import annotations

import great_expectations.expectations as gxe

from chainkpi.ingest.schema import AMOUNT, CHAIN, CHAINS, CODE_LISTS, COUNT, ENUM, Dataset


def contract_expectations(dataset: Dataset) -> list[gxe.Expectation]:
    """Required columns, code lists, non-negative amounts, counts ≥ 1, a unique key."""
    rules: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeUnique(column=dataset.id_column, meta={"rule": "duplicate_key"})
    ]
    for column in dataset.columns:
        if column.required:
            rules.append(
                gxe.ExpectColumnValuesToNotBeNull(column=column.key, meta={"rule": "required"})
            )
        if column.type == ENUM:
            rules.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=column.key,
                    value_set=sorted(CODE_LISTS[column.code_list]),
                    meta={"rule": "not_in_code_list"},
                )
            )
        elif column.type == CHAIN:
            rules.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=column.key, value_set=sorted(CHAINS), meta={"rule": "not_in_code_list"}
                )
            )
        elif column.type == AMOUNT:
            rules.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.key, min_value=0, meta={"rule": "negative_amount"}
                )
            )
        elif column.type == COUNT:
            rules.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.key,
                    min_value=column.minimum,
                    meta={"rule": "count_below_one" if column.minimum == 1 else "negative_count"},
                )
            )
    return rules


def not_before(later: str, earlier: str) -> gxe.Expectation:
    """`later` is on or after `earlier` where both are given (reported on `later`)."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later,
        column_B=earlier,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        meta={"rule": "date_order"},
    )


def required_when(
    column: str, condition_column: str, codes: list[str], rule: str
) -> gxe.Expectation:
    """`column` must be given on rows whose `condition_column` is one of `codes`."""
    return gxe.ExpectColumnValuesToNotBeNull(
        column=column,
        row_condition=f"{condition_column} in {sorted(codes)!r}",
        condition_parser="pandas",
        meta={"rule": rule},
    )
