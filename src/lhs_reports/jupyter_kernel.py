"""The ``lhs-reports`` Jupyter kernel: this environment's Python, under a name JupyterLab offers.

A virtual environment's JupyterLab already offers its own Python as ``python3``, but a shared
JupyterLab or JupyterHub runs from another environment, where ``python3`` has no lhs-reports.
:func:`install_kernel` registers a kernelspec named ``lhs-reports`` that runs this environment's
interpreter (``sys.executable -m ipykernel_launcher``), written by ipykernel's own installer, and
the report notebooks name that kernel in their metadata (:data:`NOTEBOOK_KERNELSPEC`), so
JupyterLab opens them on it.

Where it goes:

- ``sys-prefix`` (default): ``<sys.prefix>/share/jupyter/kernels/lhs-reports``, inside this
  environment. No root needed; found by a JupyterLab running from the same environment.
- ``user``: the user's Jupyter data folder (``~/.local/share/jupyter/kernels`` on Linux), found by
  every JupyterLab the user runs, such as a shared JupyterHub's.
- ``prefix``: ``<PREFIX>/share/jupyter/kernels/lhs-reports``, for a JupyterLab whose
  environment is ``PREFIX`` or that has ``PREFIX/share/jupyter`` on its ``JUPYTER_PATH``.

The build never uses this kernel: it runs each notebook on the Python that runs the build
(``python3``, ipykernel's own kernel of the running interpreter), whatever the notebook names.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ipykernel.kernelspec import install as ipykernel_install
from jupyter_client.kernelspec import KernelSpecManager

from lhs_reports.errors import LhsReportsError, ParameterError

__all__ = ["KERNEL_NAME", "NOTEBOOK_KERNELSPEC", "InstalledKernel", "Scope",
           "default_display_name", "install_kernel"]

#: The kernelspec's name, as notebooks name it in their metadata.
KERNEL_NAME = "lhs-reports"

#: A report notebook's ``metadata.kernelspec``: JupyterLab starts the ``lhs-reports`` kernel for
#: it when installed (else it offers the Python kernels it has, matched by language). papermill
#: and nbval are told which kernel to use, so this never decides how a build or a test runs.
NOTEBOOK_KERNELSPEC = {"display_name": KERNEL_NAME, "language": "python", "name": KERNEL_NAME}

Scope = Literal["sys-prefix", "user", "prefix"]

# jupyter_client's rule for kernelspec names (it lower-cases them first).
_VALID_NAME = re.compile(r"^[a-z0-9._-]+$")


@dataclass(frozen=True)
class InstalledKernel:
    """A kernelspec written by :func:`install_kernel`.

    ``found`` says whether Jupyter, run with this process's settings (``JUPYTER_PATH``,
    ``JUPYTER_DATA_DIR``), looks in the folder it was written to.
    """

    name: str
    display_name: str
    path: Path
    found: bool


def default_display_name(prefix: str | None = None) -> str:
    """The name JupyterLab's launcher shows: the Python version and the environment's folder, so
    that two projects' kernels on one JupyterHub are told apart.

    Examples
    --------
    >>> default_display_name("/srv/reports/.venv")  # doctest: +ELLIPSIS
    'lhs-reports (Python 3..., /srv/reports/.venv)'
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"{KERNEL_NAME} (Python {version}, {prefix or sys.prefix})"


def install_kernel(*, scope: Scope = "sys-prefix", prefix: str | os.PathLike[str] | None = None,
                   name: str = KERNEL_NAME, display_name: str | None = None) -> InstalledKernel:
    """Register (or replace) the kernelspec ``name`` running this environment's Python.

    Parameters
    ----------
    scope
        ``sys-prefix`` (this environment), ``user`` (the user's Jupyter folder) or ``prefix``
        (``prefix``'s ``share/jupyter/kernels``).
    prefix
        The folder for ``scope="prefix"`` (created if needed); not allowed otherwise.
    name
        The kernelspec's name: lower-case letters, digits, ``.``, ``_`` and ``-``.
    display_name
        What JupyterLab shows (default: :func:`default_display_name`).

    Returns
    -------
    InstalledKernel
        Where it was written. Installing again replaces it.

    Raises
    ------
    ParameterError
        A name Jupyter does not accept, or a prefix given with another scope (or missing).
    LhsReportsError
        The folder cannot be written (e.g. a system folder without root).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as prefix:
    ...     kernel = install_kernel(scope="prefix", prefix=prefix)
    ...     kernel.path.name, (kernel.path / "kernel.json").is_file()
    ('lhs-reports', True)
    """
    if not _VALID_NAME.match(name):
        raise ParameterError(f"'{name}' is not a valid kernel name", field="--name",
                             hint="use lower-case letters, digits, '.', '_' and '-', e.g. "
                             f"{KERNEL_NAME} or {KERNEL_NAME}-nhs-north")
    if (scope == "prefix") != (prefix is not None):
        raise ParameterError("a prefix goes with scope 'prefix', and only with it",
                             field="--prefix", hint="give --prefix DIR alone, or --user, or "
                             "neither (this environment)")
    target = str(prefix) if scope == "prefix" else sys.prefix if scope == "sys-prefix" else None
    manager = KernelSpecManager()
    try:
        written = ipykernel_install(kernel_spec_manager=manager, user=scope == "user",
                                    kernel_name=name, prefix=target,
                                    display_name=display_name or default_display_name())
    except OSError as exc:
        raise LhsReportsError(f"cannot write the kernelspec: {exc.strerror or exc}",
                              path=exc.filename, hint="install it for yourself with --user, or "
                              "into a folder you can write with --prefix DIR") from None
    path = Path(written)
    found = path.parent.resolve() in {Path(d).resolve() for d in manager.kernel_dirs}
    return InstalledKernel(name, display_name or default_display_name(), path, found)
