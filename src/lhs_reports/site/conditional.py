"""Hand-written pages that say different things for synthetic and real data.

A ``.qmd`` page written by hand (``index.qmd``, ``methods.qmd``, ``methods/*.qmd``) marks text
that depends on the data with Quarto's conditional-content divs on the ``synthetic`` metadata::

    ::: {.content-visible when-meta="synthetic"}
    This demonstration site is built from **synthetic data**.
    :::

    ::: {.content-hidden when-meta="synthetic"}
    Figures come from the trusts' own records.
    :::

The page generator resolves them before either renderer sees the page: a block is kept (without
its fences) when its condition holds for this build's data, and dropped otherwise. So the
built-in renderer, which knows no fenced divs, and Quarto show the same text, and the answer
comes from the data (:func:`lhs_reports.data.origin.data_are_synthetic`), not from a metadata
value someone must remember to set. Other fenced divs pass through untouched, for Quarto.
"""

from __future__ import annotations

import re

from lhs_reports.errors import RenderError

#: An opening fence of a div on the ``synthetic`` metadata: its class says keep or hide.
_CONDITION = re.compile(
    r"^\s*:{3,}\s*\{\s*\.content-(?P<kind>visible|hidden)\s+"
    r"when-meta\s*=\s*[\"']?synthetic[\"']?\s*\}\s*$")
#: Any other opening fence (pandoc: colons then attributes or a class word).
_OPENING = re.compile(r"^\s*:{3,}\s*(\{.*\}|[\w-]+)\s*:*\s*$")
_CLOSING = re.compile(r"^\s*:{3,}\s*$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def resolve_conditions(text: str, *, synthetic: bool, source: str = "page") -> str:
    """``text`` with its ``when-meta="synthetic"`` blocks kept or dropped for the data.

    Parameters
    ----------
    text
        The page's Markdown (front matter removed or not).
    synthetic
        Whether this build's data are synthetic.
    source
        The page's file, for the error message.

    Raises
    ------
    RenderError
        A conditional block that is never closed.

    Examples
    --------
    >>> page = ("Reports.\\n::: {.content-visible when-meta=\\"synthetic\\"}\\nSYNTHETIC.\\n"
    ...         ":::\\n::: {.content-hidden when-meta=\\"synthetic\\"}\\nReal.\\n:::\\n")
    >>> resolve_conditions(page, synthetic=True)
    'Reports.\\nSYNTHETIC.\\n'
    >>> resolve_conditions(page, synthetic=False)
    'Reports.\\nReal.\\n'
    """
    kept: list[str] = []
    # One entry per open div: True/False for a condition (shown or not), None for other divs.
    stack: list[tuple[bool | None, int]] = []
    code_fence: str | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        shown = all(state is not False for state, _ in stack)
        fence = _CODE_FENCE.match(line)
        if code_fence is not None:  # inside a code block nothing is a div
            if fence and fence.group(1)[0] == code_fence[0] \
                    and len(fence.group(1)) >= len(code_fence):
                code_fence = None
        elif fence:
            code_fence = fence.group(1)
        elif condition := _CONDITION.match(line):
            stack.append(((condition.group("kind") == "visible") == synthetic, number))
            continue
        elif _CLOSING.match(line) and stack:
            state, _ = stack.pop()
            if state is not None:
                continue  # our fence: never shown
        elif _OPENING.match(line):
            stack.append((None, number))
        if shown:
            kept.append(line)
    open_conditions = [line for state, line in stack if state is not None]
    if open_conditions:
        raise RenderError(
            f"the conditional block opened on line {open_conditions[0]} of {source} is never "
            "closed", path=source, row=open_conditions[0],
            hint="end the block with a line of three colons (:::)")
    return "".join(kept)
