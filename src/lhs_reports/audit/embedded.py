"""What a page or a file carries inside itself: ``data:`` URIs and the text of SVG images.

Report charts are SVG images embedded in ``<img src="data:image/svg+xml;base64,...">``
(:func:`lhs_reports.notebook.figure_html`), with their labels kept as text; a chart drawn with
its glyphs as paths keeps that text in comments. Both are text a reader can get at, by opening
the image.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote

__all__ = ["data_uri", "svg_data_uri", "svg_texts"]

_SVG_TEXT = re.compile(r"<(text|title|desc)\b[^>]*>(.*?)</\1\s*>|<!--(.*?)-->",
                       re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def svg_texts(svg: str) -> list[str]:
    """The text a reader of an SVG image can get at: ``<text>`` (with its ``<tspan>``),
    ``<title>``, ``<desc>`` and comments, entities decoded.

    Examples
    --------
    >>> svg_texts('<svg><title>Chart</title><text x="1">Patient <tspan>943</tspan></text>'
    ...           '<!-- 943 476 5919 --><path d="M 0 0"/></svg>')
    ['Chart', 'Patient 943', ' 943 476 5919 ']
    """
    found = []
    for match in _SVG_TEXT.finditer(svg):
        inner = match.group(2) if match.group(1) else match.group(3)
        found.append(html.unescape(_TAG.sub("", inner)))
    return found


def data_uri(uri: str) -> tuple[str, str] | None:
    """The media type and decoded text of a ``data:`` URI (base64 or percent-encoded).

    Examples
    --------
    >>> data_uri("data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode())
    ('image/svg+xml', '<svg/>')
    >>> data_uri("data:text/csv;charset=utf-8,Ward%2CPatients"), data_uri("chart.png")
    (('text/csv', 'Ward,Patients'), None)
    """
    if uri[:5].lower() != "data:":
        return None
    meta, _, payload = uri[5:].partition(",")
    mime = meta.split(";", 1)[0].strip().lower()
    if meta.lower().endswith(";base64"):
        try:
            return mime, base64.b64decode(payload).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return mime, ""
    return mime, unquote(payload)


def svg_data_uri(uri: str) -> str | None:
    """The SVG document in a ``data:image/svg+xml`` URI, or None for anything else.

    Examples
    --------
    >>> svg_data_uri("data:image/svg+xml;utf8,%3Csvg%2F%3E"), svg_data_uri("data:image/png,x")
    ('<svg/>', None)
    """
    if not uri[:30].lower().startswith("data:image/svg+xml"):
        return None
    decoded = data_uri(uri)
    return decoded[1] if decoded else None
