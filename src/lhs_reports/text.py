"""Escaping text from parameter and data files for the page formats we generate."""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: object) -> str:
    """Escape ``text`` for Markdown (Quarto/pandoc and markdown-it) so it shows literally.

    HTML is escaped first (raw HTML passes through Markdown), then Markdown punctuation.

    Examples
    --------
    >>> md_escape("<script>alert(1)</script> *bold* [x](y)")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt; \\\\*bold\\\\* \\\\[x\\\\]\\\\(y\\\\)'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def yaml_title(text: object) -> str:
    """A title for YAML front matter (pandoc reads it as Markdown, so it is escaped)."""
    return md_escape(text)
