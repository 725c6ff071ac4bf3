"""Reading one parameter or catalogue file as YAML, strictly: a key given twice is an error
(PyYAML would silently keep the second), and every failure names the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lhs_reports.errors import ParameterError

#: libyaml's parser where PyYAML was built with it: ten times faster than the pure-Python one,
#: which took most of a plan's time at thousands of parameter files.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML would silently
    keep the second value: a target typed twice would quietly use the later one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {seen[key]})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``, or a :class:`ParameterError` naming the file, the line
    and the fix (unreadable, not UTF-8, not YAML, or a key given twice).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "RX4.yaml"
    >>> _ = path.write_text("trust_code: RX4\\n")
    >>> read_yaml(path)
    {'trust_code': 'RX4'}
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParameterError(f"cannot read {path.name}: {exc.strerror}", path=path,
                             hint="check the path in params/reports.yaml") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParameterError(
            f"{path.name} is not UTF-8 text: byte {data[exc.start]:#04x} on line {line} cannot "
            "be read", path=path, row=line,
            hint="save the file as UTF-8 (most editors: 'Save with encoding'); a name with "
            "accents typed in another encoding is the usual cause") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        duplicate = "appears twice" in str(problem)
        raise ParameterError(
            f"{path.name} is not valid YAML: {problem}",
            path=path,
            row=None if mark is None else mark.line + 1,
            hint="delete one of the two; each key is given once" if duplicate else
            "check indentation and quoting; text containing ':' or '#' needs quotes",
        ) from None
