"""What changed between two publications, in plain English, each change with its report page.

Compared between two entries of the results history (:mod:`lhs_reports.site.history`), by the
names the report notebooks record:

- ``<indicator>_variation`` (crisis and acute flow): a special-cause signal that appeared, went
  away or changed direction;
- ``<indicator>_assurance``: assurance against the target that changed;
- ``funnel_<indicator>_outliers`` (flow across trusts): an organisation that moved out of or
  back inside the funnel plot's 99.8% limits;
- ``isr_<measure>_funnel`` (needs assessment): a move across the peer funnel's limits;
- ``dsr_<measure>_comparison`` and ``sii_<measure>_significant`` (needs assessment): a
  significant difference from all trusts, or a significant inequality gradient, that appeared
  or went away.

A result on one side only (a new report, a failed one) is not a change in what it says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lhs_reports.reports.flow_indicators import INDICATORS_BY_ID
from lhs_reports.reports.needs_comparison import MEASURE_LABELS
from lhs_reports.site.history import Entry, Result, Value
from lhs_reports.text import md_escape

__all__ = ["Change", "change_markdown", "changes_between", "is_signal", "organisation_changes",
           "report_title"]


@dataclass(frozen=True)
class Change:
    """One change: whose (``organisation`` code and ``name``), where (``page``, the report page
    without suffix), what (``subject``) and how (``now`` and ``was``, in words)."""

    organisation: str
    name: str
    page: str
    family: str
    kind: str  # variation, assurance, funnel, comparison, gradient
    subject: str
    now: str
    was: str
    verb: str = "now"  # "now shows", "is now"
    across: bool = False  # the page compares organisations (rather than being one's own)

    @property
    def sentence(self) -> str:
        """``Crisis referrals seen within 24 hours now shows special cause concern (low); was
        common cause variation``: the change without whose it is."""
        return f"{self.subject} {self.verb} {self.now}; was {self.was}"

    @property
    def html_path(self) -> str:
        return f"{self.page}.html"


VARIATION = {
    "common_cause": "common cause variation",
    "improvement_high": "special cause improvement (high)",
    "improvement_low": "special cause improvement (low)",
    "concern_high": "special cause concern (high)",
    "concern_low": "special cause concern (low)",
    "neutral_high": "special cause variation (high), neither improvement nor concern",
    "neutral_low": "special cause variation (low), neither improvement nor concern",
    "too_few_points": "too few points for process limits",
    "not_calculated": "no value for the latest month",
}
ASSURANCE = {
    "consistent_pass": "consistently meets its target",
    "consistent_fail": "consistently misses its target",
    "inconsistent": "hit and miss against its target",
    "none": "no assurance (no target or too few points)",
}
COMPARISON = {
    "higher": "significantly higher than all trusts",
    "lower": "significantly lower than all trusts",
    "similar": "not significantly different from all trusts",
    "not compared": "not compared with all trusts",
    "left out": "left out of the comparison with all trusts",
    "no peers": "without other trusts to compare with",
}
_SIGNIFICANCE = re.compile(r"^(High|Low) \((?P<tail>[0-9.eE-]+)\)$")


def _words(table: Mapping[str, str]) -> Callable[[Value], str]:
    return lambda value: table.get(str(value), str(value).replace("_", " "))


def _gradient(value: Value) -> str:
    return "significant" if value is True else "not significant"


def _peer_funnel(value: Value) -> str:
    """``"High (0.001)"`` (PHE's label) as ``above the 99.8% limit``."""
    match = _SIGNIFICANCE.match(str(value))
    if match is None:
        text = str(value)
        if text == "Not significant":
            return "within the limits"
        return "not plotted" if value is None or text in ("nan", "None") else text
    level = round((1 - 2 * float(match["tail"])) * 100, 8)
    side = "above" if match[1] == "High" else "below"
    return f"{side} the {level:g}% limit"


def _indicator(key: str) -> str | None:
    indicator = INDICATORS_BY_ID.get(key)
    return None if indicator is None else indicator.title


def _measure(key: str) -> str:
    return MEASURE_LABELS.get(key, key.replace("_", " "))


#: record name -> (kind, subject from the name's key (None: not one of ours), verb, words)
_RULES: tuple[tuple[re.Pattern[str], str, Callable[[str], str | None], str,
                     Callable[[Value], str]], ...] = (
    (re.compile(r"^(?P<key>\w+)_variation$"), "variation", _indicator, "now shows",
     _words(VARIATION)),
    (re.compile(r"^(?P<key>\w+)_assurance$"), "assurance", _indicator, "now",
     _words(ASSURANCE)),
    (re.compile(r"^dsr_(?P<key>\w+)_comparison$"), "comparison",
     lambda k: f"{_measure(k)}: the age-standardised rate", "is now", _words(COMPARISON)),
    (re.compile(r"^sii_(?P<key>\w+)_significant$"), "gradient",
     lambda k: f"{_measure(k)}: the inequality gradient by deprivation", "is now", _gradient),
    (re.compile(r"^isr_(?P<key>\w+)_funnel$"), "funnel",
     lambda k: f"{_measure(k)}: the standardised ratio", "is now",
     lambda v: f"{_peer_funnel(v)} of the peer funnel"),
)
_FUNNEL_OUTLIERS = re.compile(r"^funnel_(?P<key>\w+)_outliers$")


def is_signal(name: str) -> bool:
    """Whether a change is read from the record ``name`` (what earlier publications keep).

    Examples
    --------
    >>> [is_signal(n) for n in ("crisis_24h_variation", "funnel_crisis_24h_outliers",
    ...                         "crisis_24h_latest", "variation", "unknown_variation")]
    [True, True, False, False, False]
    """
    if _FUNNEL_OUTLIERS.match(name):
        return True
    return any((match := pattern.match(name)) is not None and subject_of(match["key"]) is not None
               for pattern, _, subject_of, *_ in _RULES)


def _outliers(value: Value) -> dict[str, str]:
    """``"RX4:high,TAH:low"`` as ``{"RX4": "high", "TAH": "low"}``."""
    found = {}
    for part in str(value or "").split(","):
        code, _, side = part.strip().partition(":")
        if code:
            found[code] = side
    return found


def _funnel_words(side: str | None) -> str:
    if side is None:
        return "within the funnel plot's 99.8% limits"
    where = {"high": "above", "low": "below"}.get(side, side)
    return f"{where} the funnel plot's 99.8% limits"


def changes_between(before: Entry, after: Entry) -> tuple[Change, ...]:
    """Every change from ``before`` to ``after``, by organisation and then report page.

    Examples
    --------
    >>> def entry(value):
    ...     return Entry("2025-04-02T09:30:00+00:00", "r1", (Result(
    ...         "crisis_flow/RW5", "RW5", "crisis_flow", "crisis_24h_variation", value),),
    ...         {"RW5": "Southmoor NHS Trust"})
    >>> change, = changes_between(entry("common_cause"), entry("concern_low"))
    >>> f"{change.name}: {change.sentence}"
    'Southmoor NHS Trust: Crisis referrals seen within 24 hours now shows special cause \
concern (low); was common cause variation'
    """
    old = {(r.page, r.name): r for r in before.results}
    names = {**before.organisations, **after.organisations}
    found = []
    for result in after.results:
        earlier = old.get((result.page, result.name))
        if earlier is None or earlier.value == result.value:
            continue
        outliers = _FUNNEL_OUTLIERS.match(result.name)
        if outliers is not None:
            found += _funnel_changes(result, earlier, outliers["key"], names)
            continue
        for pattern, kind, subject_of, verb, words in _RULES:
            match = pattern.match(result.name)
            if match is None or (subject := subject_of(match["key"])) is None:
                continue
            code = result.organisation
            found.append(Change(code, names.get(code, code), result.page, result.family, kind,
                                subject, words(result.value), words(earlier.value), verb))
            break
    return tuple(sorted(found, key=lambda c: (c.name.casefold(), c.organisation, c.page,
                                              c.subject)))


def _funnel_changes(result: Result, earlier: Result, key: str,
                    names: Mapping[str, str]) -> list[Change]:
    title = _indicator(key) or key.replace("_", " ")
    now, was = _outliers(result.value), _outliers(earlier.value)
    return [Change(code, names.get(code, code), result.page, result.family, "funnel",
                   f"{title}, compared across trusts,", _funnel_words(now.get(code)),
                   _funnel_words(was.get(code)), "is now", across=True)
            for code in sorted(set(now) | set(was)) if now.get(code) != was.get(code)]


def report_title(change: Change, family_titles: Mapping[str, str] | None = None) -> str:
    """The name of the report a change links to: ``Crisis and acute flow: Southmoor``, or the
    family's title alone for a page across organisations."""
    family = (family_titles or {}).get(change.family, change.family.replace("_", " "))
    return family if change.across else f"{family}: {change.name}"


def change_markdown(change: Change, *, root: str = "",
                    family_titles: Mapping[str, str] | None = None) -> str:
    """One change as a Markdown list item's text, linking its report page (``root`` leads
    from the page it is on to the site root).

    Examples
    --------
    >>> change = Change("RW5", "Southmoor", "crisis_flow/RW5", "crisis_flow", "variation",
    ...                 "Crisis referrals seen within 24 hours", "common cause variation",
    ...                 "special cause concern (low)", "now shows")
    >>> change_markdown(change, root="../", family_titles={"crisis_flow": "Crisis flow"})
    'Crisis referrals seen within 24 hours now shows common cause variation; was special \
cause concern \\\\(low\\\\) (see [Crisis flow: Southmoor](../crisis_flow/RW5.html))'
    """
    report = report_title(change, family_titles)
    return (f"{md_escape(change.sentence)} (see [{md_escape(report)}]"
            f"({root}{change.html_path}))")


def organisation_changes(changes: tuple[Change, ...], *, root: str = "../",
                         family_titles: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{code: markdown}``: each organisation's changes as a Markdown list, for a section of
    its own page (``trusts/<code>.html``, so links lead up one folder by default).

    Examples
    --------
    >>> change = Change("RW5", "Southmoor", "crisis_flow/RW5", "crisis_flow", "assurance",
    ...                 "Crisis referrals seen within 24 hours",
    ...                 "consistently meets its target", "hit and miss against its target")
    >>> print(organisation_changes((change,))["RW5"])
    - Crisis referrals seen within 24 hours now consistently meets its target; was hit and \
miss against its target (see [crisis flow: Southmoor](../crisis_flow/RW5.html))
    <BLANKLINE>
    """
    found: dict[str, list[str]] = {}
    for change in changes:
        if change.organisation:
            found.setdefault(change.organisation, []).append(
                "- " + change_markdown(change, root=root, family_titles=family_titles))
    return {code: "\n".join(lines) + "\n" for code, lines in found.items()}
