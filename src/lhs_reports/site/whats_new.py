"""The "What's new" page: this publication's changes by organisation, then a short log.

The page is Markdown (both renderers draw it). It names the date of this publication and of the
one before, lists the changes since (:mod:`lhs_reports.site.changes`) grouped by organisation,
and below them the changes of up to :data:`EARLIER_SHOWN` earlier publications. Dates come from
the results history (:mod:`lhs_reports.site.history`), so a rebuild with no change shows the
same page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from lhs_reports.site.changes import (
    Change,
    change_markdown,
    changes_between,
    organisation_changes,
)
from lhs_reports.site.history import HISTORY_FILE, MAX_ENTRIES, Entry, History
from lhs_reports.text import md_escape

__all__ = ["EARLIER_SHOWN", "FEED_FILE", "PAGE_NAME", "organisation_section",
           "publication_changes", "published_text", "whats_new_markdown"]

#: The page (``whats-new.html``) and its feed (:mod:`lhs_reports.site.feed`).
PAGE_NAME = "whats-new"
FEED_FILE = "whats-new.xml"
#: Earlier publications listed below this one's changes (the feed has every one kept).
EARLIER_SHOWN = 10


def published_text(entry: Entry) -> str:
    """``2 April 2025 at 09:30 UTC``: when a publication was made.

    Examples
    --------
    >>> published_text(Entry("2025-04-02T09:30:00+00:00", "r1", ()))
    '2 April 2025 at 09:30 UTC'
    """
    when = dt.datetime.fromisoformat(entry.published).astimezone(dt.UTC)
    return f"{when.day} {when:%B %Y} at {when:%H:%M} UTC"


def publication_changes(history: History) -> list[tuple[Entry, Entry | None, tuple[Change, ...]]]:
    """Each publication, newest first, with the one before it (None for the first kept) and
    the changes between them."""
    entries = history.entries
    return [(entries[i], entries[i - 1] if i else None,
             changes_between(entries[i - 1], entries[i]) if i else ())
            for i in range(len(entries) - 1, -1, -1)]


def _grouped(changes: tuple[Change, ...], family_titles: Mapping[str, str]) -> str:
    lines: list[str] = []
    current = None
    for change in changes:
        if change.organisation != current:
            current = change.organisation
            who = (f"{change.name} ({change.organisation})" if change.name != change.organisation
                   else change.organisation)
            lines += ["", f"### {md_escape(who)}", ""]
        lines.append("- " + change_markdown(change, family_titles=family_titles))
    return "\n".join(lines).lstrip("\n")


def _one_line(change: Change, family_titles: Mapping[str, str]) -> str:
    return f"- {md_escape(change.name)}: " + change_markdown(change, family_titles=family_titles)


def whats_new_markdown(history: History, *, family_titles: Mapping[str, str],
                       feed: str = FEED_FILE) -> str:
    """The page's Markdown (its title is the page's): this publication's changes and a log."""
    published = publication_changes(history)
    if not published:
        return "No results have been published yet.\n"
    latest, before, changes = published[0]
    lines = [
        "What changed in the headline results since the previous publication: special-cause "
        "signals that appeared or went away, assurance against targets that changed, "
        "organisations that moved in or out of funnel-plot limits, and significant differences "
        "that appeared or went away, each with a link to the report that shows it. A change is "
        "a prompt to look at the chart, not a verdict.",
        "",
        f"- **This publication:** results first published on {published_text(latest)}",
    ]
    if before is None:
        lines += [
            "- **Previous publication:** none",
            "",
            "This is the first publication with a results history, so there is nothing earlier "
            "to compare with. From the next publication whose results differ, this page lists "
            "what changed.",
        ]
    else:
        lines += [f"- **Previous publication:** {published_text(before)}", "",
                  "## Changes since the previous publication", ""]
        lines.append(_grouped(changes, family_titles) if changes else
                     "No signal, assurance, funnel position or significant difference changed; "
                     "figures may have been updated.")
    earlier = published[1:1 + EARLIER_SHOWN]
    if earlier:
        lines += ["", "## Earlier publications", ""]
        for entry, previous, found in earlier:
            lines += [f"### {published_text(entry)}", ""]
            if previous is None:
                lines.append("The first publication kept in the history: nothing earlier to "
                             "compare with.")
            elif found:
                lines += [_one_line(change, family_titles) for change in found]
            else:
                lines.append("No signal changed; figures may have been updated.")
            lines.append("")
    lines += [
        "",
        "## About this page",
        "",
        f"Subscribe to these changes with the [Atom feed of what's new]({feed}). The site keeps "
        f"the headline results of its last {MAX_ENTRIES} publications in "
        f"[{HISTORY_FILE}]({HISTORY_FILE}) (counts through disclosure control); "
        f"this page lists the changes of the latest {EARLIER_SHOWN + 1}, the feed all of them. "
        "A publication is recorded only when its results differ from the one before.",
    ]
    return "\n".join(lines).rstrip() + "\n"


def organisation_section(history: History, code: str, *, family_titles: Mapping[str, str],
                         root: str = "../") -> str:
    """The body (no heading) of the "What's new" section of organisation ``code``'s own page:
    its changes at the latest publication, or a sentence saying there were none, and a link to
    the whole page. ``root`` leads from that page to the site root.

    Examples
    --------
    >>> from lhs_reports.site.history import Result
    >>> def entry(day, value):
    ...     return Entry(f"2025-04-0{day}T09:30:00+00:00", f"r{day}", (Result(
    ...         "crisis_flow/RW5", "RW5", "crisis_flow", "crisis_24h_variation", value),))
    >>> history = History((entry(1, "common_cause"), entry(2, "common_cause")))
    >>> print(organisation_section(history, "RW5", family_titles={}))
    No change in its signals, assurance, funnel positions or significant differences since the \
previous publication. See [what's new](../whats-new.html) on the whole site.
    <BLANKLINE>
    """
    whole = f"See [what's new]({root}{PAGE_NAME}.html) on the whole site."
    if history.latest is None or history.previous is None:
        return ("This is the first publication with a results history: changes are listed from "
                f"the next one. {whole}\n")
    changes = changes_between(history.previous, history.latest)
    mine = organisation_changes(changes, root=root, family_titles=family_titles).get(code)
    if mine is None:
        # Without the previous publication's date, which the whole page gives: an
        # organisation whose results stay the same keeps the same page (and board pack) from
        # one publication to the next, so the site re-renders only what changed.
        return ("No change in its signals, assurance, funnel positions or significant "
                f"differences since the previous publication. {whole}\n")
    return (f"Since the previous publication ({published_text(history.previous)}):\n\n{mine}\n"
            f"{whole}\n")
