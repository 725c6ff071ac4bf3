"""Preparing an executed notebook for Quarto: HTML outputs as raw HTML, one heading per page.

Two things Quarto does with a notebook that a report must not get:

- Any ``text/html`` output makes Quarto load require.js and jQuery from cdn.jsdelivr.net on
  that page (it assumes a JavaScript widget; ``extractJupyterWidgetDependencies`` in Quarto's
  ``core/jupyter/widgets.ts``, with no option to turn it off). Every report shows its charts and
  tables as HTML, so every report page would depend on another host, and offline it logs
  ``define is not defined``. The same HTML in a Markdown cell's raw block (``{=html}``)
  reaches the page unchanged, without the scripts.
- A page's front-matter title becomes its first ``<h1>``, above the notebook's own heading.
  The notebook's first level-1 heading is lifted into the front matter instead, so each page
  has one ``<h1>`` whatever renders it.
"""

from __future__ import annotations

import html
import re

import nbformat
from nbformat import NotebookNode

_HTML_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_TAG = re.compile(r"<[^>]+>")
_FENCE = re.compile(r"^ {0,3}(`{3,})", re.MULTILINE)
#: Metadata key marking the Markdown cells made here from HTML outputs.
RAW_HTML_CELL = "lhs-reports-raw-html"


def raw_html_block(content: str) -> str:
    """``content`` as a pandoc raw HTML block, fenced longer than any fence inside it.

    Examples
    --------
    >>> print(raw_html_block("<b>x</b>"))
    ```{=html}
    <b>x</b>
    ```
    """
    longest = max((len(m) for m in _FENCE.findall(content)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{content.rstrip()}\n{fence}"


def _text(data: object) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def html_outputs_as_markdown(cells: list[NotebookNode]) -> list[NotebookNode]:
    """Code cells with their ``text/html`` outputs moved into raw-HTML Markdown cells.

    Order is kept: a code cell is split around each HTML output; other outputs (images,
    text) stay in code cells. An HTML output that shows nothing (a results record) is
    dropped, and so is a code cell left with no outputs (inputs are hidden anyway), unless it
    never had any.

    Examples
    --------
    >>> shown = nbformat.v4.new_output("display_data", data={"text/html": "<p>Hi</p>",
    ...                                                      "text/plain": "Hi"})
    >>> [c.cell_type for c in html_outputs_as_markdown([nbformat.v4.new_code_cell(
    ...     "show()", outputs=[shown])])]
    ['markdown']
    """
    converted: list[NotebookNode] = []
    for cell in cells:
        if cell.cell_type != "code" or not any(_is_html(o) for o in cell.get("outputs", [])):
            converted.append(cell)
            continue
        pending: list[NotebookNode] = []
        for output in cell.outputs:
            if not _is_html(output):
                pending.append(output)
                continue
            shown = _text(output["data"]["text/html"])
            if not shown.strip():
                continue  # shows nothing (a results record): no empty block on the page
            if pending:
                converted.append(_code_part(cell, pending))
                pending = []
            converted.append(nbformat.v4.new_markdown_cell(raw_html_block(shown),
                                                           metadata={RAW_HTML_CELL: True}))
        if pending:
            converted.append(_code_part(cell, pending))
    return converted


def _is_html(output: NotebookNode) -> bool:
    return (output.get("output_type") in {"display_data", "execute_result"}
            and "text/html" in output.get("data", {}))


def _code_part(cell: NotebookNode, outputs: list[NotebookNode]) -> NotebookNode:
    part = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
    part.outputs = outputs
    part.execution_count = cell.get("execution_count")
    return part


def lift_first_heading(cells: list[NotebookNode]) -> tuple[str | None, bool]:
    """Remove the first level-1 heading from ``cells`` (in place); ``(its text, is_markdown)``.

    ``is_markdown`` says the text is Markdown (from a ``# Heading`` line) rather than plain
    text (from an HTML ``<h1>``, tags removed and entities decoded). ``(None, False)`` when the
    notebook has no level-1 heading.

    Examples
    --------
    >>> cells = [nbformat.v4.new_markdown_cell("Intro"),
    ...          nbformat.v4.new_markdown_cell("<h1 class='t'>A &amp; B</h1>\\n<p>period</p>")]
    >>> lift_first_heading(cells)
    ('A & B', False)
    >>> cells[1].source
    '\\n<p>period</p>'
    """
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        source = _text(cell.source)
        found = [m for m in (_HTML_H1.search(source), _MARKDOWN_H1.search(_outside_fences(source)))
                 if m is not None]
        if not found:
            continue
        match = min(found, key=lambda m: m.start())
        if match.re is _HTML_H1:
            cell.source = source[:match.start()] + source[match.end():]
            return " ".join(html.unescape(_TAG.sub("", match[1])).split()), False
        cell.source = source[:match.start()] + source[match.end():].lstrip("\n")
        return match[1].strip(), True
    return None, False


def _outside_fences(source: str) -> str:
    """``source`` with fenced code blocks blanked (same length), so ``#`` comments in code
    are not read as headings."""
    out, fence = [], ""
    for line in source.splitlines(keepends=True):
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            out.append(" " * (len(line) - 1) + "\n" if line.endswith("\n") else " " * len(line))
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        out.append(line)
    return "".join(out)
