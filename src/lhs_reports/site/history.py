"""The results history: each publication's headline results, kept with the site.

Every report records headline results (:func:`lhs_reports.results.record`). A publication's
results, as a reader may see them (counts through disclosure control), form an
:class:`Entry`; the entries form a :class:`History`, published with the site as
``results-history.json`` (:data:`HISTORY_FILE`) so that the next build, wherever it runs, can say
what changed (:mod:`lhs_reports.site.changes`).

Where the previous history is read from (:func:`history_source`), in order: a file given to
``lhs-reports build --history FILE`` (a CI job downloads the published site's file first), the
environment variable :data:`HISTORY_ENV`, else the site currently published in
``outputs/_site``. No file there means the first publication. The previous file is only read:
the new history is a file of the new site, published with it (or not at all).

A new entry is added only when the results differ from the latest entry's, so a rebuild with no
change leaves the history, and the site, as they were; the last :data:`MAX_ENTRIES` are kept.
So that the file stays small (it is downloaded, and audited at every build), the latest entry
keeps every result and the earlier ones the results that changes are read from, and the file
writes each entry as its differences from the one before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule, suppress_counts
from lhs_reports.engine.cache import MANIFEST, Manifest
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.errors import DataError
from lhs_reports.reports.flow_indicators import INDICATORS

__all__ = ["HISTORY_ENV", "HISTORY_FILE", "MAX_ENTRIES", "Entry", "History", "Result",
           "headline_results", "history_json", "history_source", "job_records",
           "next_history", "organisation_names", "publishable_value", "read_history"]

#: The history's name in the published site (at its root).
HISTORY_FILE = "results-history.json"
#: An environment variable naming the previous history file (as ``--history`` does).
HISTORY_ENV = "LHS_REPORTS_HISTORY"
#: How many publications the history keeps; older ones are dropped.
MAX_ENTRIES = 100
#: The file's format, written in it so a later version can read an older file.
FORMAT = 1
#: Units of records that are counts (of bed days, from the flow indicators that are counts),
#: published through disclosure control; a whole number with no unit is a count too.
COUNT_UNITS = frozenset({"count", "counts"} | {i.unit for i in INDICATORS if i.kind == "count"})

Value = str | int | float | bool | None


@dataclass(frozen=True)
class Result:
    """One headline result of one report page, as published."""

    page: str  # the report page, without suffix: "crisis_flow/RW5"
    organisation: str  # its organisation's code, "" for a page across organisations
    family: str
    name: str  # the record's name, as the notebook recorded it
    value: Value
    unit: str = ""
    label: str = ""


@dataclass(frozen=True)
class Entry:
    """One publication: when, an id made from its results, organisation names, results."""

    published: str  # ISO 8601, UTC
    build: str
    results: tuple[Result, ...]
    organisations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class History:
    """The publications, oldest first; ``source`` is the file read (None: there was none)."""

    entries: tuple[Entry, ...] = ()
    source: Path | None = None

    @property
    def latest(self) -> Entry | None:
        return self.entries[-1] if self.entries else None

    @property
    def previous(self) -> Entry | None:
        return self.entries[-2] if len(self.entries) > 1 else None


def history_source(site_dir: Path, given: Path | None = None) -> Path:
    """Where the previous history is: ``given``, else :data:`HISTORY_ENV`, else the published
    site's :data:`HISTORY_FILE`.

    Examples
    --------
    >>> str(history_source(Path("outputs/_site"), Path("previous.json")))
    'previous.json'
    """
    if given is not None:
        return given
    if os.environ.get(HISTORY_ENV):
        return Path(os.environ[HISTORY_ENV])
    return site_dir / HISTORY_FILE


def read_history(path: Path) -> History:
    """The history in ``path``; an empty one when there is no such file (a first publication).

    Raises
    ------
    DataError
        When the file is there but is not a results history (not JSON, another format, a
        field missing), naming the file.
    """
    if not path.is_file():
        return History()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"not a results history of format {FORMAT}")
        entries = _entries(document["entries"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as err:
        why = f"a field is missing: {err}" if isinstance(err, KeyError) else str(err)
        raise DataError(
            f"the previous results history cannot be read ({why})", path=path,
            hint=f"delete it (or pass another with --history) to start a new history; the "
            f"published site's own {HISTORY_FILE} is the one to keep") from None
    return History(entries, path)


def _entries(items: list[dict[str, Any]]) -> tuple[Entry, ...]:
    """Entries from the file's: each one's results are the entry before's, less those
    ``removed``, with its own ``results`` over them."""
    found = []
    current: dict[tuple[str, str], Result] = {}
    for item in items:
        for page, name in item.get("removed", []):
            current.pop((str(page), str(name)), None)
        for r in item["results"]:
            result = Result(str(r["page"]), str(r["organisation"]), str(r["family"]),
                            str(r["name"]), _value(r["value"]), str(r.get("unit", "")),
                            str(r.get("label", "")))
            current[(result.page, result.name)] = result
        names = item.get("organisations", {})
        if not isinstance(names, dict):
            raise ValueError("organisations is not a mapping")
        results = tuple(sorted(current.values(), key=lambda r: (r.page, r.name)))
        found.append(Entry(str(item["published"]), str(item["build"]), results,
                           {str(k): str(v) for k, v in names.items()}))
    return tuple(found)


def _value(value: Any) -> Value:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError(f"a result's value is neither a number nor text: {value!r}")


def publishable_value(value: Value, unit: str, *,
                      rule: DisclosureRule = NHS_DIGITAL_SDC) -> Value:
    """A record's value as a reader may see it: counts (:data:`COUNT_UNITS`, or a whole
    number with no unit) through disclosure control, the suppressed as the rule's symbol.

    Rates, ratios, percentages, icons and significance are not counts: they pass unchanged.

    Examples
    --------
    >>> publishable_value(3, ""), publishable_value(123.4, "bed days"), publishable_value(3, "%")
    ('*', 125, 3)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            unit in COUNT_UNITS or (unit == "" and isinstance(value, int))):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    shown = suppress_counts(pd.Series([abs(float(value))]), rule=rule,
                            allow_fractional=True).iloc[0]
    if shown["suppressed"]:
        return rule.suppressed_symbol
    number = math.copysign(float(shown["value"]), float(value))
    return int(number) if number.is_integer() else number


def job_records(results: Sequence[JobResult], outputs: Path) -> dict[str, list[dict[str, Any]]]:
    """Each job's records: a job that ran gives its own; one skipped (up to date) those the
    build manifest in ``outputs`` kept from its last run. Failed jobs have none."""
    entries = Manifest(outputs / MANIFEST).entries
    found: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if result.status == "ok":
            found[result.key] = list(result.records)
        elif result.status == "skipped":
            entry = entries.get(result.key) or {}
            if entry.get("status") == "ok":
                found[result.key] = list(entry.get("records") or [])
    return found


def organisation_names(jobs: Sequence[Job]) -> dict[str, str]:
    """``{code: name}`` from the parameters of every job about one organisation."""
    return {str(job.parameters["trust_code"]): str(job.parameters.get("trust_name") or
                                                   job.parameters["trust_code"])
            for job in jobs if job.parameters.get("trust_code")}


def headline_results(jobs: Sequence[Job], records: Mapping[str, list[dict[str, Any]]],
                     pages: Sequence[str]) -> tuple[Result, ...]:
    """The publishable results of the jobs whose report page (``family/id``) is in ``pages``,
    sorted by page and name."""
    shown = set(pages)
    found = []
    for job in jobs:
        page = f"{job.family.id}/{job.param_id}"
        if page not in shown:
            continue
        for record in records.get(job.key, []):
            unit = str(record.get("unit") or "")
            found.append(Result(page, str(job.parameters.get("trust_code") or ""),
                                job.family.id, str(record.get("name")),
                                publishable_value(record.get("value"), unit), unit,
                                str(record.get("label") or "")))
    return tuple(sorted(found, key=lambda r: (r.page, r.name)))


def _digest(results: tuple[Result, ...], organisations: Mapping[str, str]) -> str:
    payload = json.dumps([[_result_dict(r) for r in results], dict(sorted(organisations.items()))],
                         sort_keys=True, default=str)
    # A letter first: a run of digits at the start could read as an identifier.
    return "r" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def next_history(previous: History, results: tuple[Result, ...],
                 organisations: Mapping[str, str], *, now: dt.datetime | None = None,
                 keep: int = MAX_ENTRIES, earlier: Callable[[str], bool] | None = None
                 ) -> History:
    """``previous`` with this build's results as a new entry, when they differ from its latest
    entry's; the last ``keep`` entries.

    Only the latest entry keeps every result: an earlier one keeps those whose name
    ``earlier`` accepts (the ones a change is read from, :func:`lhs_reports.site.changes.
    is_signal`), so the file stays small however often the figures move; None keeps all.

    Examples
    --------
    >>> result = Result("crisis_flow/RW5", "RW5", "crisis_flow", "crisis_24h_variation",
    ...                 "common_cause")
    >>> when = dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC)
    >>> first = next_history(History(), (result,), {"RW5": "Southmoor"}, now=when)
    >>> first.latest.published, len(first.entries)
    ('2025-04-02T09:30:00+00:00', 1)
    >>> len(next_history(first, (result,), {"RW5": "Southmoor"}).entries)
    1
    """
    results = tuple(sorted(results, key=lambda r: (r.page, r.name)))
    build = _digest(results, organisations)
    if previous.latest is not None and previous.latest.build == build:
        return previous
    published = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    entry = Entry(published, build, results, dict(sorted(organisations.items())))
    kept = list(previous.entries)
    if kept and earlier is not None:
        last = kept[-1]
        kept[-1] = dataclasses.replace(
            last, results=tuple(r for r in last.results if earlier(r.name)))
    return History((*kept, entry)[-keep:], previous.source)


def _result_dict(result: Result) -> dict[str, Any]:
    return {"page": result.page, "organisation": result.organisation, "family": result.family,
            "name": result.name, "value": result.value, "unit": result.unit,
            "label": result.label}


def _lines(results: Sequence[Result]) -> str:
    return ",\n".join(json.dumps(_result_dict(r), ensure_ascii=False) for r in results)


def history_json(history: History) -> str:
    """The history as the published file, one result a line so that it reads (and diffs).

    The first entry lists its results; each later one the results that differ from the entry
    before (``results``) and the names it no longer has (``removed``, ``[page, name]``), which
    :func:`read_history` puts back together.
    """
    entries = []
    before: dict[tuple[str, str], Result] = {}
    for entry in history.entries:
        now = {(r.page, r.name): r for r in entry.results}
        changed = [r for key, r in now.items() if before.get(key) != r]
        removed = sorted(key for key in before if key not in now)
        head = {"published": entry.published, "build": entry.build,
                "organisations": dict(entry.organisations), "removed": removed}
        entries.append(json.dumps(head, ensure_ascii=False)[:-1]
                       + f', "results": [\n{_lines(changed)}\n]}}')
        before = now
    note = (f"Headline results of each publication of this site (the last {MAX_ENTRIES}), "
            "counts through disclosure control, each entry as its differences from the one "
            "before; earlier entries keep the results that changes are read from. Read by the "
            "next build to say what changed.")
    return (f'{{"format": {FORMAT}, "about": {json.dumps(note)}, "entries": [\n'
            + ",\n".join(entries) + "\n]}\n")
