"""The API reference pages, generated from the package's numpydoc docstrings at render time.

One Markdown page per group (:data:`GROUPS`: statistics, disclosure control, charts) under
``reference/``, and an index. Each public function or class gets a level-2 heading (the
built-in renderer's contents list and Quarto's table of contents link each one), its signature
and summary, then its parameters, returns, raises and examples as the docstring gives them.
The pages are Markdown so both renderers take them from the same site model; every piece of
docstring text is escaped (:func:`lhs_reports.text.md_escape`) and examples are code blocks,
shown literally by markdown-it and pandoc alike.

Docstrings are read with griffe's numpydoc parser, which needs no Sphinx. Only the sections a
reader of the API needs are shown: notes and references stay in the docstring (and in the
methods pages, which explain the statistics).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import griffe

from lhs_reports.site.model import Page
from lhs_reports.text import md_escape

__all__ = ["GROUPS", "SECTION", "Group", "code_block", "entry_markdown", "group_entries",
           "inline_text", "reference_pages", "signature_text"]

#: The folder (and section) of the reference pages: ``reference/<group>.html``.
SECTION = "reference"


@dataclass(frozen=True)
class Group:
    """One reference page: ``name`` (its file), title, and the modules it documents.

    A module's public names are its ``__all__``, else the functions and classes defined in it
    whose names do not start with ``_``.
    """

    name: str
    title: str
    modules: tuple[str, ...]
    summary: str


#: The reference pages, in the order the index lists them.
GROUPS = (
    Group("stats", "Statistics", ("lhs_reports.stats",),
          "Pure statistics on numbers and pandas objects: intervals, rates, standardisation, "
          "funnel plots, SPC, run charts, interrupted time series and inequality indices."),
    Group("disclosure", "Disclosure control",
          ("lhs_reports.disclosure", "lhs_reports.disclosure_secondary"),
          "Suppression and rounding of small counts in published tables."),
    Group("plots", "Charts",
          ("lhs_reports.plots.theme", "lhs_reports.plots.spc", "lhs_reports.plots.funnel",
           "lhs_reports.plots.funnel_panels", "lhs_reports.plots.trend",
           "lhs_reports.plots.rates", "lhs_reports.plots.population",
           "lhs_reports.plots.mdc_icons"),
          "plotnine charts drawn from the statistics' results, in NHS identity, each with "
          "its alt text."),
)

#: A Sphinx cross-reference role, ``:func:`~lhs_reports.stats.xmr```: shown as its code.
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")
#: reStructuredText inline literals, ````code````.
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
#: An object's address in a default value's repr: different in every process.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: How a signature writes ``*args`` and ``**kwargs``.
_STARS: dict[inspect._ParameterKind, str] = {inspect.Parameter.VAR_POSITIONAL: "*",
                                             inspect.Parameter.VAR_KEYWORD: "**"}
#: A signature longer than this is written one parameter a line.
_SIGNATURE_WIDTH = 88


def _public(module: ModuleType) -> Iterator[tuple[str, Any]]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, value in vars(module).items()
                 if not name.startswith("_") and (inspect.isfunction(value)
                                                  or inspect.isclass(value))
                 and value.__module__ == module.__name__]
    for name in names:
        value = getattr(module, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            yield name, value


def group_entries(group: Group) -> list[tuple[str, str, Any]]:
    """``(module, name, object)`` of every public function and class ``group`` documents.

    Examples
    --------
    >>> entries = group_entries(GROUPS[1])
    >>> ("lhs_reports.disclosure", "suppress_counts") in [(m, n) for m, n, _ in entries]
    True
    """
    entries = [(module, name, value) for module in group.modules
               for name, value in _public(importlib.import_module(module))]
    # Functions first (what a notebook calls), then the classes their results come in.
    return sorted(entries, key=lambda entry: inspect.isclass(entry[2]))


def inline_text(text: str) -> str:
    """Docstring prose as Markdown: escaped, with its literals and references as code.

    Examples
    --------
    >>> inline_text("Counts ``< 8`` per :func:`~lhs_reports.stats.xmr` *row*")
    'Counts `< 8` per `lhs_reports.stats.xmr` \\\\*row\\\\*'
    """
    text = _ROLE.sub(lambda m: f"``{m.group(1)}``", text)
    pieces = []
    last = 0
    for match in _LITERAL.finditer(text):
        pieces.append(md_escape(text[last:match.start()]))
        pieces.append(_code_span(" ".join(match.group(1).split())))
        last = match.end()
    pieces.append(md_escape(text[last:]))
    return "".join(pieces)


def _code_span(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def code_block(code: str, language: str = "python") -> str:
    """A fenced code block that no backtick run inside ``code`` can close.

    Examples
    --------
    >>> print(code_block("x = 1"))
    ```python
    x = 1
    ```
    """
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


def _annotation(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return ""
    return value if isinstance(value, str) else inspect.formatannotation(value)


def signature_text(name: str, value: Callable[..., Any]) -> str:
    """``name(parameters) -> returns``, as the source writes the annotations; one parameter a
    line when it is long.

    Examples
    --------
    >>> def f(x: int, *, level: float = 0.95) -> float: ...
    >>> signature_text("f", f)
    'f(x: int, *, level: float = 0.95) -> float'
    """
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):  # a class or builtin without a readable signature
        return f"{name}(...)"
    parts = []
    star_done = False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if parameter.kind is parameter.VAR_POSITIONAL:
            star_done = True
        prefix = _STARS.get(parameter.kind, "")
        text = prefix + parameter.name
        if (note := _annotation(parameter.annotation)):
            text += f": {note}"
        if parameter.default is not parameter.empty:
            default = _ADDRESS.sub("", repr(parameter.default))
            text += f" = {default}" if note else f"={default}"
        parts.append(text)
    positional_only = [p for p in signature.parameters.values()
                       if p.kind is p.POSITIONAL_ONLY]
    if positional_only:
        parts.insert(len(positional_only), "/")
    returns = _annotation(signature.return_annotation)
    tail = f" -> {returns}" if returns and not inspect.isclass(value) else ""
    line = f"{name}({', '.join(parts)}){tail}"
    if len(line) <= _SIGNATURE_WIDTH:
        return line
    return f"{name}(\n" + "".join(f"    {part},\n" for part in parts) + f"){tail}"


def _sections(value: Any) -> list[griffe.DocstringSection]:
    doc = inspect.getdoc(value) or ""
    # Missing types are the rule here: the annotations carry them (numpydoc without types).
    return griffe.parse_numpy(griffe.Docstring(doc), warn_missing_types=False, warnings=False)


def _items(title: str, rows: list[tuple[str, str, str]]) -> str:
    lines = [f"**{title}**", ""]
    for name, kind, description in rows:
        label = " ".join(part for part in (_code_span(name) if name else "",
                                            f"({inline_text(kind)})" if kind else "") if part)
        text = inline_text(" ".join(description.split()))
        lines.append(f"- {label}: {text}" if label else f"- {text}")
    return "\n".join(lines)


def _parameter_rows(value: Any, documented: list[Any]) -> list[tuple[str, str, str]]:
    """Every parameter of the signature, in order, with the docstring's description (one
    description may name several, ``unit, label``); documented names the signature lacks
    (``**options``) follow."""
    described = {}
    for item in documented:
        for name in item.name.split(","):
            described[name.strip().lstrip("*")] = item.description
    try:
        names = list(inspect.signature(value).parameters) if not inspect.isclass(value) else []
    except (TypeError, ValueError):
        names = []
    rows = [(name, "", described.pop(name, "Not described in the docstring."))
            for name in names]
    return rows + [(name, "", text) for name, text in described.items()]


def entry_markdown(module: str, name: str, value: Any) -> str:
    """The reference entry of one function or class: heading, signature, summary, parameters,
    returns, raises and examples.

    Examples
    --------
    >>> from lhs_reports.disclosure import round_to_base
    >>> text = entry_markdown("lhs_reports.disclosure", "round_to_base", round_to_base)
    >>> text.splitlines()[0], "**Parameters**" in text
    ('## `round_to_base`', True)
    """
    kind = "class" if inspect.isclass(value) else "function"
    parts = [f"## {_code_span(name)}", f"A {kind} of {_code_span(module)}."]
    if not (inspect.isclass(value) and issubclass(value, Warning | Exception)):
        parts.append(code_block(signature_text(name, value)))  # a warning is not made by hand
    sections = _sections(value)
    described = any(section.kind.value == "parameters" for section in sections)
    for section in sections:
        kind_name = section.kind.value
        if kind_name == "text":
            parts.append(_prose(str(section.value)))
            if not described and (undocumented := _parameter_rows(value, [])):
                parts.append(_items("Parameters", undocumented))
        elif kind_name == "parameters":
            parts.append(_items("Parameters", _parameter_rows(value, section.value)))
        elif kind_name in ("other parameters", "attributes"):
            parts.append(_items(section.title or kind_name.capitalize(), [
                (p.name, "", p.description) for p in section.value]))
        elif kind_name in ("returns", "yields"):
            parts.append(_items(kind_name.capitalize(), [
                (r.name, str(r.annotation or ""), r.description) for r in section.value]))
        elif kind_name in ("raises", "warns"):
            parts.append(_items(kind_name.capitalize(), [
                ("", str(r.annotation or ""), r.description) for r in section.value]))
        elif kind_name == "examples":
            parts.append("**Examples**")
            for example_kind, text in section.value:
                parts.append(code_block(text, "python") if example_kind.value == "examples"
                             else _prose(text))
    return "\n\n".join(parts) + "\n"


def _prose(text: str) -> str:
    """Paragraphs of docstring prose; literal blocks after ``::`` stay code."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if paragraph.startswith("    "):
            out.append(code_block(inspect.cleandoc("\n" + paragraph), ""))
        elif paragraph.lstrip().startswith(("- ", "* ")):
            items = re.split(r"\n\s*[-*] ", "\n" + paragraph.strip())
            out.append("\n".join(f"- {inline_text(' '.join(i.split()))}"
                                 for i in items if i.strip()))
        else:
            out.append(inline_text(" ".join(paragraph.split())))
    return "\n\n".join(out)


def group_markdown(group: Group) -> str:
    """The body of one reference page: what it covers, then an entry per public name."""
    modules = ", ".join(_code_span(m) for m in group.modules)
    intro = (f"{md_escape(group.summary)}\n\nGenerated from the docstrings of {modules} "
             "when the site was built. The [guides](../guides.html) show these functions at "
             "work.")
    return intro + "\n\n" + "\n".join(entry_markdown(*entry) for entry in group_entries(group))


def index_markdown() -> str:
    """The reference's index: one line per page."""
    lines = ["The functions and classes of the `lhs_reports` package that a report notebook "
             "calls, generated from their docstrings. Each page lists its functions in its "
             "contents.", ""]
    for group in GROUPS:
        lines.append(f"- [{md_escape(group.title)}]({group.name}.html): "
                     f"{md_escape(group.summary)}")
    return "\n".join(lines) + "\n"


def reference_pages(provenance: dict[str, str]) -> list[Page]:
    """The index and one page per group (:data:`GROUPS`), for the site model.

    Examples
    --------
    >>> [page.name for page in reference_pages({})]
    ['reference/index', 'reference/stats', 'reference/disclosure', 'reference/plots']
    """
    pages = [Page(f"{SECTION}/index", "API reference", "markdown", index_markdown(),
                  provenance=provenance, section=SECTION,
                  document_title="API reference: lhs_reports")]
    for group in GROUPS:
        title = f"API reference: {group.title.lower()}"
        pages.append(Page(f"{SECTION}/{group.name}", title, "markdown", group_markdown(group),
                          provenance=provenance, section=SECTION))
    return pages
