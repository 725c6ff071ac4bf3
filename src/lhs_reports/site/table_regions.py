"""Wide tables that reflow at 320 px: each table in a focusable, labelled scrolling region.

WCAG 2.2 reflow (1.4.10) lets a data table scroll sideways inside its own box, since a table's
rows and columns lose their meaning when reflowed, but the page must not. So every table is
wrapped in ``<div class="lhs-table-region" role="region" tabindex="0" aria-label="...">``,
which the site's CSS lets scroll (``overflow-x: auto``). It is focusable so a keyboard user
can scroll it, and named so a screen reader announces what the focus landed on; names are
unique on a page ("Table 2: ..."), as landmarks must be.

Both renderers' pages pass through :func:`wrap_tables` (the built-in renderer's page bodies,
Quarto's rendered pages), so markdown tables and notebook tables alike are wrapped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

__all__ = ["REGION_CLASS", "wrap_tables", "wrap_tables_in_site"]

#: The wrapper's class (the CSS gives it ``overflow-x: auto``).
REGION_CLASS = "lhs-table-region"

_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_WRAPPED = re.compile(rf'<div class="{REGION_CLASS}"[^>]*>\s*$')


def wrap_tables(page: str) -> str:
    """``page`` with every table in a labelled, focusable scrolling region.

    A table already wrapped is left alone (the function can run twice), as is a table with
    another table inside it (never written by the package; left as it was rather than
    wrapped wrongly).

    Examples
    --------
    >>> print(wrap_tables("<p>x</p><table><caption>Age &amp; sex</caption></table>"
    ...                   ).replace("><", ">\\n<"))
    <p>x</p>
    <div class="lhs-table-region" role="region" tabindex="0" aria-label="Table 1: Age &amp; sex">
    <table>
    <caption>Age &amp; sex</caption>
    </table>
    </div>
    >>> wrap_tables(wrap_tables("<table></table>")).count("<div")
    1
    """
    parts = []
    end = 0
    number = 0
    for match in _TABLE.finditer(page):
        table = match.group(0)
        before = page[end:match.start()]
        parts.append(before)
        end = match.end()
        number += 1
        # Only the text just before the table: a search of all of it for each table is slow.
        if "<table" in table[1:].lower() or _WRAPPED.search(page[max(0, match.start() - 300):
                                                                 match.start()]):
            parts.append(table)
            continue
        label = f"Table {number}"
        caption = _CAPTION.search(table)
        if caption is not None:
            text = " ".join(html.unescape(_TAG.sub(" ", caption.group(1))).split())
            if text:
                label += f": {text}"
        parts.append(f'<div class="{REGION_CLASS}" role="region" tabindex="0" '
                     f'aria-label="{html.escape(label, quote=True)}">{table}</div>')
    parts.append(page[end:])
    return "".join(parts)


def wrap_tables_in_site(site_dir: Path) -> None:
    """Wrap the tables of every page under ``site_dir`` in place (a rendered Quarto site).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "a.html").write_text("<main><table></table></main>")
    ...     wrap_tables_in_site(Path(folder))
    ...     (Path(folder) / "a.html").read_text().count('role="region"')
    1
    """
    for path in sorted(site_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        wrapped = wrap_tables(text)
        if wrapped != text:
            path.write_text(wrapped, encoding="utf-8")
