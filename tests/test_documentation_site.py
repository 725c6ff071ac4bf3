"""The documentation on the site: the API reference generated from the docstrings, and the
analysts' guides, on both renderers."""

from __future__ import annotations

import argparse
import inspect
import re
import shlex
from html import unescape
from pathlib import Path

import pytest

import lhs_reports.stats
from lhs_reports.cli_parser import build_parser as _parser
from lhs_reports.packaged import PACKAGED_SITE
from lhs_reports.site.model import Page
from lhs_reports.site.reference import GROUPS, SECTION, entry_markdown, reference_pages
from lhs_reports.site.search import NOT_INDEXED

from .helpers import make_project
from .test_quarto import fake_quarto  # noqa: F401  (the Quarto stand-in, as a fixture)

GUIDES = sorted((PACKAGED_SITE / "guides").glob("*.qmd")) + [PACKAGED_SITE / "guides.qmd"]


def _sections(html: str) -> dict[str, str]:
    """Each function's section of a reference page, by the name in its heading."""
    parts = re.split(r"<h2\b[^>]*><code>([^<]+)</code></h2>", html)
    return {unescape(name): body for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def _public_functions() -> list[str]:
    return [name for name in lhs_reports.stats.__all__
            if inspect.isfunction(getattr(lhs_reports.stats, name))]


# --- the built-in renderer, on the demo ----------------------------------------------------


def test_the_demo_site_has_the_reference_and_the_guides_audited_and_linked(demo_two_trusts):
    site = demo_two_trusts.site
    assert demo_two_trusts.status == 0, demo_two_trusts.printed  # the audit passed them too
    for group in GROUPS:
        assert (site / SECTION / f"{group.name}.html").is_file(), group.name
    for guide in GUIDES:
        name = guide.relative_to(PACKAGED_SITE).with_suffix(".html")
        assert (site / name).is_file(), name
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="guides.html">Documentation</a>' in home
    guides = (site / "guides.html").read_text(encoding="utf-8")
    assert 'href="reference/stats.html"' in guides


def test_the_statistics_reference_lists_every_public_function_with_its_parameters(
        demo_two_trusts):
    html = (demo_two_trusts.site / SECTION / "stats.html").read_text(encoding="utf-8")
    sections = _sections(html)
    for name in _public_functions():
        assert name in sections, f"{name} is not on the reference page"
        for parameter in inspect.signature(getattr(lhs_reports.stats, name)).parameters:
            assert f"<code>{parameter}</code>" in sections[name], (name, parameter)
    # One anchor per function, and the contents list links each.
    assert html.count('<nav class="lhs-contents"') == 1
    for name in _public_functions():
        anchor = re.search(rf'<h2 id="([^"]+)"><code>{name}</code></h2>', html)
        assert anchor and f'href="#{anchor.group(1)}"' in html, name


def test_reference_pages_are_left_out_of_the_search_index_and_guides_are_in(demo_two_trusts):
    site = demo_two_trusts.site
    assert "reference" in NOT_INDEXED
    assert "data-pagefind-body" not in (site / SECTION / "stats.html").read_text()
    assert "data-pagefind-body" in (site / "guides" / "disclosure.html").read_text()


# --- the Quarto path, with the stand-in quarto ----------------------------------------------


def test_the_quarto_site_stages_the_reference_and_guides_as_markdown(
        fake_quarto, tmp_path):  # noqa: F811
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import render_site

    root = make_project(tmp_path / "p", 1)
    site = render_site(load_project(root), [], [], renderer="quarto")
    staged = next(root.glob("outputs/quarto/**/reference/stats.qmd"), None)
    assert staged is not None, sorted(p.name for p in (root / "outputs").rglob("*.qmd"))
    text = staged.read_text(encoding="utf-8")
    assert "search: false" in text.split("---")[1]  # Quarto's search leaves it out too
    for name in _public_functions():
        assert f"## `{name}`" in text
    assert staged.with_name("index.qmd").is_file()
    assert (staged.parents[1] / "guides" / "ci.qmd").is_file()
    assert (site / SECTION / "stats.html").is_file() and (site / "guides.html").is_file()
    # Signatures and examples wrap at 320 px rather than scroll in a region no key can reach.
    config = (staged.parents[1] / "_quarto.yml").read_text(encoding="utf-8")
    assert "code-overflow: wrap" in config


# --- the generated Markdown -----------------------------------------------------------------


def _hostile(rows, *, level=0.95):
    """Rows ``<script>alert(1)</script>`` and *emphasis* [a](link).

    Parameters
    ----------
    rows
        A ``<b>`` table.
    level
        The level.

    Returns
    -------
    int
        Nothing <i>real</i>.

    Raises
    ------
    ValueError
        When ``rows`` is ```odd```.

    Examples
    --------
    >>> print("```")
    ```
    """


def test_docstring_text_is_escaped_and_examples_stay_code():
    from markdown_it import MarkdownIt

    text = entry_markdown("tests", "_hostile", _hostile)
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<em>" not in html and '<a href="link">' not in html
    assert "<code>&lt;b&gt;</code>" in html
    # The example's own ``` cannot close its code block: the fence is longer.
    assert '<pre><code class="language-python">&gt;&gt;&gt; print(&quot;```&quot;)\n```\n' in html
    assert "<strong>Raises</strong>" in html and "(ValueError)" in html


def test_the_reference_has_an_index_and_one_page_per_group_none_indexed():
    pages = reference_pages({})
    assert [p.name for p in pages] == [f"{SECTION}/index"] + [f"{SECTION}/{g.name}"
                                                               for g in GROUPS]
    assert all(isinstance(p, Page) and p.section in NOT_INDEXED for p in pages)


# --- the guides' commands -------------------------------------------------------------------


def _quoted_commands(text: str) -> tuple[list[str], list[str]]:
    """The ``lhs-reports ...`` command lines of a guide's code blocks (whole commands), and
    those of its inline code (which may name a command without its arguments, in prose)."""
    blocks = [line.strip() for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
              for line in block.splitlines()]
    inline = re.findall(r"`(lhs-reports [^`]+)`", text)
    return ([c.split(" #")[0].strip() for c in blocks if c.startswith("lhs-reports ")],
            [c.strip() for c in inline])


def _parses(command: str) -> bool:
    try:
        _parser().parse_args(shlex.split(command)[1:])
    except SystemExit as stop:
        return stop.code == 0  # --help exits 0
    return True


def _names_a_command(command: str) -> bool:
    """Whether the words after ``lhs-reports`` up to the first option are a command path."""
    parser = _parser()
    for word in shlex.split(command)[1:]:
        if word.startswith("-"):
            break
        choices = next((a.choices for a in parser._actions
                        if isinstance(a, argparse._SubParsersAction)), None)
        if choices is None:
            break  # an argument of a command found
        if word not in choices:
            return False
        parser = choices[word]
    return True


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_command_a_guide_quotes_parses(guide):
    blocks, inline = _quoted_commands(guide.read_text(encoding="utf-8"))
    for command in blocks + inline:
        if command in blocks:
            assert _parses(command), f"{guide.name}: `{command}` does not parse"
        else:
            assert _parses(command) or _names_a_command(command), (
                f"{guide.name}: `{command}` names no lhs-reports command")


def test_the_guides_quote_commands_at_all():
    quoted = [c for guide in GUIDES for c in _quoted_commands(guide.read_text())[0]]
    assert len(quoted) >= 10 and any(c.startswith("lhs-reports build") for c in quoted)


def test_packaged_guides_exist_for_each_topic():
    assert {p.stem for p in GUIDES} == {"guides", "report-family", "indicator", "disclosure",
                                        "dask", "ci"}
    assert Path(PACKAGED_SITE / "guides.qmd").is_file()
