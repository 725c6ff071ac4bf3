"""The package's errors carry where and how-to-fix, and survive pickling (process pools, Dask)."""

from __future__ import annotations

import pickle

import pytest

from lhs_reports.errors import (
    AuditError,
    BuildError,
    DataError,
    LhsReportsError,
    ParameterError,
    RenderError,
)


@pytest.mark.parametrize("cls", [ParameterError, DataError, BuildError, RenderError, AuditError])
def test_every_error_is_an_lhs_reports_error_that_pickles_with_its_fields(cls):
    error = cls("bad thing", path="params/a.yaml", field="trust_code", row=4, hint="fix it")
    clone = pickle.loads(pickle.dumps(error))
    assert isinstance(clone, LhsReportsError)
    assert type(clone) is cls
    assert (clone.message, clone.path, clone.field, clone.row, clone.hint) == (
        "bad thing", "params/a.yaml", "trust_code", 4, "fix it")
    assert str(clone) == str(error)


def test_message_names_key_for_parameters_and_column_for_data():
    assert "key: trust_code" in str(ParameterError("x", field="trust_code"))
    assert "column: count" in str(DataError("x", field="count"))


def test_message_without_location_is_just_the_message():
    assert str(DataError("only this")) == "only this"
