"""Every subcommand's --help has a description and an example, and its examples parse."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator

import pytest

from lhs_reports.cli_parser import build_parser as _parser


def _subcommands(parser: argparse.ArgumentParser, path: str = "lhs-reports"
                 ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Each (command path, parser) below ``parser``, however deeply nested."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}", sub
                yield from _subcommands(sub, f"{path} {name}")


SUBCOMMANDS = dict(_subcommands(_parser()))


def test_the_walk_finds_the_commands_and_the_kinds_of_new():
    assert {"lhs-reports build", "lhs-reports new trust", "lhs-reports init"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_subcommand_has_a_description_and_an_example(command):
    parser = SUBCOMMANDS[command]
    assert parser.description and parser.description.strip(), f"{command}: no description"
    assert parser.epilog and "Example" in parser.epilog, f"{command}: no Example in its epilog"
    # Without the raw formatter argparse reflows the example lines into one paragraph.
    assert parser.formatter_class is argparse.RawDescriptionHelpFormatter, command


def _examples(epilog: str) -> Iterator[str]:
    # A long example goes on with a backslash at the end of a line, as in a shell.
    for line in epilog.replace("\\\n", " ").splitlines():
        text = line.split("#", 1)[0].strip()
        for part in text.split("&&"):
            if part.strip().startswith("lhs-reports "):
                yield part.strip()


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_example_in_a_help_text_parses(command):
    for example in _examples(SUBCOMMANDS[command].epilog or ""):
        _parser().parse_args(shlex.split(example)[1:])  # exits (SystemExit) if it does not parse


def test_help_keeps_the_examples_one_a_line(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["build", "--help"])
    out = capsys.readouterr().out
    assert "Example:\n  lhs-reports build\n" in out
