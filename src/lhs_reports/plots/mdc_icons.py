"""Making Data Count icons drawn as small inline SVG, with their text equivalents.

Read the icon *names* from :func:`lhs_reports.stats.spc.xmr_icons`; this module only draws
them. Each icon is a ring in the Making Data Count colour of what it means (blue improvement,
orange concern, grey common cause, purple where neither direction is better), holding a short
run of points for variation (the last points high or low, lettered **H** or **L**) or a letter
for assurance (**P** the target is consistently met, **F** consistently missed, **?** hit and
miss) over a dashed target line. They are drawn here, not downloaded: the same icon is the
same bytes on every page, with no ``id`` to collide when it appears many times on one page.

An icon is described to screen readers once. Standing alone (the cross-trust matrix), the SVG
is an image (``role="img"``) named by its ``aria-label`` and ``<title>``. Beside words that
say the same (summary tables, the key), it is decorative (``aria-hidden``) and the words are
read. Colour is never the only cue: the ring's letter and the points' direction say it too.

Text from data never becomes markup here: :class:`Icon` and :class:`IconCell` hold only icon
names this module knows and labels it writes, and :func:`lhs_reports.notebook.table_html`
inserts their HTML while escaping every other cell.

Notes
-----
Colours follow NHS England's Making Data Count icons as NHSRplotthedots 0.2.2 draws its points
(``ptd_spc_colours()``: common cause ``#7B7D7D``, improvement ``#289DE0``, concern ``#FAB428``)
and the package's charts (:data:`lhs_reports.plots.theme.MDC_COLOURS`, neutral ``#361475``).
Rings and letters use darker shades of the same hues (NHS blue ``#005EB8``, NHS orange
``#ED8B00``, brown ``#8C4F00``, grey ``#5C5E5E``) so that letters reach a contrast of at least
4.5:1 on white: the published orange and light blue do not. The icons are drawn afresh in the
guidance's style, not copied from its image files.

References
----------
.. [1] NHS England (2019). Making Data Count: getting started. Strategic guidance (icons for
   variation and assurance).
.. [2] NHS-R Community (2024). NHSRplotthedots 0.2.2, ``ptd_spc_colours``, ``ptd_get_icons``.

Examples
--------
>>> icon = Icon("improvement_high")
>>> icon.text
'Special cause variation: improvement (high)'
>>> icon.svg().startswith('<svg xmlns="http://www.w3.org/2000/svg" class="lhs-mdc-icon"')
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Final, Literal

__all__ = ["ASSURANCE_ICONS", "VARIATION_ICONS", "Icon", "IconCell", "icon_cell",
           "icon_key_html"]

Category = Literal["improvement", "concern", "common", "neutral", "pass", "fail", "hit_and_miss"]


@dataclass(frozen=True)
class _Spec:
    """How one icon reads and looks."""

    text: str  # the text equivalent, read by screen readers
    short: str  # the words shown beside the icon in summary tables
    category: Category
    ring: str  # ring colour (and the target line's)
    points: str  # colour of the special-cause points (variation only)
    ink: str  # letter colour: dark enough for 4.5:1 on white
    letter: str  # "H", "L", "P", "F", "?" or "" (common cause)


_BLUE, _LIGHT_BLUE = "#005EB8", "#289DE0"
_ORANGE, _LIGHT_ORANGE, _BROWN = "#ED8B00", "#FAB428", "#8C4F00"
_GREY, _DARK_GREY = "#7B7D7D", "#5C5E5E"
_PURPLE = "#361475"

#: Variation icons by the names :func:`lhs_reports.stats.spc.variation_icon` returns.
VARIATION_ICONS: Final[dict[str, _Spec]] = {
    "common_cause": _Spec("Common cause variation", "Common cause", "common",
                          _GREY, _GREY, _DARK_GREY, ""),
    "improvement_high": _Spec("Special cause variation: improvement (high)",
                              "Improvement (higher)", "improvement",
                              _BLUE, _LIGHT_BLUE, _BLUE, "H"),
    "improvement_low": _Spec("Special cause variation: improvement (low)",
                             "Improvement (lower)", "improvement",
                             _BLUE, _LIGHT_BLUE, _BLUE, "L"),
    "concern_high": _Spec("Special cause variation: concern (high)", "Concern (higher)",
                          "concern", _ORANGE, _LIGHT_ORANGE, _BROWN, "H"),
    "concern_low": _Spec("Special cause variation: concern (low)", "Concern (lower)",
                         "concern", _ORANGE, _LIGHT_ORANGE, _BROWN, "L"),
    "neutral_high": _Spec("Special cause variation: neither improvement nor concern (high)",
                          "Special cause (higher)", "neutral", _PURPLE, _PURPLE, _PURPLE, "H"),
    "neutral_low": _Spec("Special cause variation: neither improvement nor concern (low)",
                         "Special cause (lower)", "neutral", _PURPLE, _PURPLE, _PURPLE, "L"),
}

#: Assurance icons by the names :func:`lhs_reports.stats.spc.assurance_icon` returns.
ASSURANCE_ICONS: Final[dict[str, _Spec]] = {
    "consistent_pass": _Spec("Assurance: the target is consistently met",
                             "Consistently meets target", "pass", _BLUE, _BLUE, _BLUE, "P"),
    "consistent_fail": _Spec("Assurance: the target is consistently missed",
                             "Consistently misses target", "fail",
                             _ORANGE, _ORANGE, _BROWN, "F"),
    "inconsistent": _Spec("Assurance: hit and miss, the target lies within the process limits",
                          "Hit and miss", "hit_and_miss", _GREY, _GREY, _DARK_GREY, "?"),
}

#: What a summary says where a measure has no target, so no assurance icon.
NO_TARGET = "No target"

#: Points of the run inside the ring: x positions, and heights for each shape.
_X = (5.5, 8.75, 12.0, 15.25, 18.5)
_RUNS = {"": (14.0, 11.5, 15.0, 12.0, 13.5), "H": (16.5, 16.0, 14.5, 13.0, 12.0),
         "L": (7.5, 8.0, 9.5, 11.0, 12.0)}
_LETTER_Y = {"H": 10.0, "L": 20.0}


def _spec(name: str) -> _Spec:
    spec = VARIATION_ICONS.get(name) or ASSURANCE_ICONS.get(name)
    if spec is None:
        known = ", ".join([*VARIATION_ICONS, *ASSURANCE_ICONS])
        raise ValueError(f"no Making Data Count icon is called {name!r}; known: {known}")
    return spec


def _letter(text: str, colour: str, y: float, size: int) -> str:
    return (f'<text x="12" y="{y:g}" text-anchor="middle" font-family="Arial,sans-serif" '
            f'font-weight="bold" font-size="{size}" fill="{colour}">{escape(text)}</text>')


def _variation_body(spec: _Spec) -> str:
    heights = _RUNS[spec.letter]
    line = " ".join(f"{x:g},{y:g}" for x, y in zip(_X, heights, strict=True))
    # Common cause: every point grey; special cause: the last three in the icon's colour.
    special = 0 if not spec.letter else 3
    dots = "".join(
        f'<circle cx="{x:g}" cy="{y:g}" r="1.5" fill="'
        f'{spec.points if i >= len(_X) - special else _GREY}"/>'
        for i, (x, y) in enumerate(zip(_X, heights, strict=True)))
    letter = _letter(spec.letter, spec.ink, _LETTER_Y[spec.letter], 8) if spec.letter else ""
    return (f'<polyline points="{line}" fill="none" stroke="{_GREY}" stroke-width="0.8"/>'
            f"{dots}{letter}")


def _assurance_body(spec: _Spec) -> str:
    return (f'<path d="M5 17.5h14" stroke="{spec.ring}" stroke-width="1.2" '
            f'stroke-dasharray="2 1.2"/>{_letter(spec.letter, spec.ink, 15, 11)}')


@lru_cache(maxsize=64)
def _svg(name: str, decorative: bool) -> str:
    spec = _spec(name)
    label = escape(spec.text, quote=True)
    access = ('aria-hidden="true"' if decorative
              else f'role="img" aria-label="{label}"')
    title = "" if decorative else f"<title>{escape(spec.text)}</title>"
    body = _variation_body(spec) if name in VARIATION_ICONS else _assurance_body(spec)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="lhs-mdc-icon" viewBox="0 0 24 24" '
            f'width="1.75em" height="1.75em" {access} focusable="false">{title}'
            f'<circle cx="12" cy="12" r="10.5" fill="#fff" stroke="{spec.ring}" '
            f'stroke-width="2"/>{body}</svg>')


@dataclass(frozen=True)
class Icon:
    """One Making Data Count icon, by the name :mod:`lhs_reports.stats.spc` gives it.

    ``str()`` is its short label, so printed tables read as words.

    Examples
    --------
    >>> Icon("consistent_fail").category, str(Icon("consistent_fail"))
    ('fail', 'Consistently misses target')
    >>> Icon("improvement_hihg")
    Traceback (most recent call last):
    ...
    ValueError: no Making Data Count icon is called 'improvement_hihg'; known: ...
    """

    name: str

    def __post_init__(self) -> None:
        _spec(self.name)

    @property
    def kind(self) -> Literal["variation", "assurance"]:
        """``"variation"`` or ``"assurance"``."""
        return "variation" if self.name in VARIATION_ICONS else "assurance"

    @property
    def text(self) -> str:
        """The text equivalent read by screen readers."""
        return _spec(self.name).text

    @property
    def short(self) -> str:
        """The words shown beside the icon."""
        return _spec(self.name).short

    @property
    def category(self) -> Category:
        """What the icon says, as a word for a CSS class: ``improvement``, ``concern``, ..."""
        return _spec(self.name).category

    def svg(self, *, decorative: bool = False) -> str:
        """The inline SVG: an image named by its text, or, with ``decorative``, hidden from
        screen readers because words beside it say the same."""
        return _svg(self.name, decorative)

    def __str__(self) -> str:
        return self.short


@dataclass(frozen=True)
class IconCell:
    """A table cell of icons: a variation icon, and an assurance icon where there is one.

    ``with_text`` shows the icons' short labels beside them (the icons are then decorative);
    without it the icons stand alone, each named by its own text equivalent. ``str()`` is the
    words, so printed tables, CSV downloads and tests read the same as before there were
    icons. :func:`lhs_reports.notebook.table_html` writes :meth:`html` into the cell and
    :attr:`css_class` on it.

    Examples
    --------
    >>> cell = IconCell((Icon("concern_high"), Icon("inconsistent")))
    >>> str(cell), cell.css_class
    ('Concern (higher); hit and miss', 'lhs-mdc-cell lhs-mdc-concern')
    """

    icons: tuple[Icon, ...]
    with_text: bool = False

    def __post_init__(self) -> None:
        if not self.icons or not all(isinstance(icon, Icon) for icon in self.icons):
            raise ValueError("an IconCell holds one or more Icon objects")

    def __str__(self) -> str:
        words = [icon.short for icon in self.icons]
        return "; ".join([words[0], *(word[0].lower() + word[1:] for word in words[1:])])

    @property
    def css_class(self) -> str:
        """``lhs-mdc-cell`` and the first icon's category, for the cell's background."""
        return f"lhs-mdc-cell lhs-mdc-{self.icons[0].category.replace('_', '-')}"

    def html(self) -> str:
        """The cell's content as HTML (package markup only; no text from data)."""
        icons = "".join(icon.svg(decorative=self.with_text) for icon in self.icons)
        if not self.with_text:
            return f'<span class="lhs-mdc-icons lhs-mdc-alone">{icons}</span>'
        return (f'<span class="lhs-mdc-icons">{icons}</span> '
                f'<span class="lhs-mdc-text">{escape(str(self))}</span>')


def icon_cell(variation: str | None, assurance: str | None = None, *,
              with_text: bool = False) -> IconCell | None:
    """The cell for a variation icon name and an assurance icon name (either may be None).

    Examples
    --------
    >>> str(icon_cell("common_cause", "consistent_pass"))
    'Common cause; consistently meets target'
    >>> icon_cell(None, None) is None
    True
    """
    names = [name for name in (variation, assurance) if name is not None]
    return IconCell(tuple(Icon(name) for name in names), with_text) if names else None


def icon_key_html(*, assurance: bool = True) -> str:
    """The key to the icons: every icon with its meaning, for each page that shows them.

    Examples
    --------
    >>> key = icon_key_html()
    >>> key.count("<li") == len(VARIATION_ICONS) + len(ASSURANCE_ICONS) + 1
    True
    """
    def item(name: str) -> str:
        icon = Icon(name)
        return (f'<li>{icon.svg(decorative=True)} <span>{escape(icon.text)}</span></li>')

    variation = "".join(item(name) for name in VARIATION_ICONS)
    parts = ['<div class="lhs-mdc-key" role="note" aria-label="Key to the icons">',
             '<p class="lhs-mdc-key-title"><strong>Key to the icons</strong> (NHS England '
             "Making Data Count). Variation: what the latest month shows.</p>",
             f"<ul>{variation}</ul>"]
    if assurance:
        rows = "".join(item(name) for name in ASSURANCE_ICONS)
        rows += ('<li><span class="lhs-mdc-none" aria-hidden="true">–</span> '
                 "<span>No target set: no assurance icon</span></li>")
        parts += ["<p>Assurance: whether the process limits show the target will be met.</p>",
                  f"<ul>{rows}</ul>"]
    parts.append("</div>")
    return "".join(parts)
