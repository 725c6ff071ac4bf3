"""Headline results that notebooks publish with :func:`record`, collected by the build.

A notebook calls ``record("crisis_rate_per_100k", 412.3, unit="per 100,000")``. The value
travels inside the executed notebook itself, as an invisible display output with the MIME type
:data:`RESULT_MIME`, so it reaches the build whichever executor ran the notebook (a fresh kernel,
a warm worker, a Dask cluster) with no side files. The build collects every job's records into a
tidy table that cross-trust pages read without re-running notebooks.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

RESULT_MIME = "application/vnd.lhs-reports.result+json"


def _plain(value: Any) -> Any:
    """Convert numpy/pandas scalars to JSON-safe Python values (NaN becomes None)."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bool, str, numbers.Number)) or value is None:
        return value
    return str(value)


class Record(dict[str, Any]):
    """A published record: a plain ``dict``, except that a notebook does not echo it.

    ``record(...)`` is often a cell's last line, and IPython would print the returned dict
    under the cell, onto the reader's page; ``_ipython_display_`` (IPython's display hook) shows
    nothing instead, because the record already travels in its own invisible output.
    """

    def _ipython_display_(self) -> None:
        return None


def record(name: str, value: Any, *, unit: str = "", label: str = "") -> Record:
    """Publish one headline result from a notebook.

    Parameters
    ----------
    name
        A stable identifier, e.g. ``"readmission_rate"``; cross-trust pages look results up by it.
    value
        A number, string or boolean (numpy scalars are converted).
    unit, label
        For display: ``"%"``, ``"per 100,000"``; a human-readable name.

    Returns
    -------
    Record
        The record as published (a ``dict``; a notebook shows nothing for it).

    Examples
    --------
    >>> record("rate", 12.5, unit="per 100,000")
    {'name': 'rate', 'value': 12.5, 'unit': 'per 100,000', 'label': ''}
    """
    payload = Record(name=str(name), value=_plain(value), unit=unit, label=label)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return payload
    if get_ipython() is not None:
        # Empty HTML so no renderer shows anything; the payload rides in its own MIME type.
        display({RESULT_MIME: dict(payload), "text/html": ""}, raw=True)
    return payload


def records_from_notebook(notebook: Any) -> list[dict[str, Any]]:
    """Every record published in an executed notebook (an ``nbformat`` node), in order."""
    found = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            payload = output.get("data", {}).get(RESULT_MIME)
            if isinstance(payload, dict) and "name" in payload:
                found.append(dict(payload))
    return found
