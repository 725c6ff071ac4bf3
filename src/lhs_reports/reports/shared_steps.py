"""The report families' shared figures, by the notebooks that read them.

A build computes each step a family's notebook reads once, before that family's reports run
(:mod:`lhs_reports.engine.shared_steps`); a notebook run on its own computes it in its kernel
(:mod:`lhs_reports.reports.shared_figures`). A new step is a
:class:`~lhs_reports.reports.shared_figures.SharedStep` added here.
"""

from __future__ import annotations

from lhs_reports.reports.lhs_priorities import ALL_AGREEMENT
from lhs_reports.reports.needs_peers import NEEDS_PEERS
from lhs_reports.reports.shared_figures import SharedStep

#: Every shared step.
SHARED_STEPS: tuple[SharedStep, ...] = (NEEDS_PEERS, ALL_AGREEMENT)


def steps_for(notebook: str) -> list[SharedStep]:
    """The shared steps a notebook (by name, without ``.ipynb``) reads.

    Examples
    --------
    >>> [step.name for step in steps_for("needs_assessment")]
    ['needs_peers']
    >>> steps_for("crisis_flow")
    []
    """
    return [step for step in SHARED_STEPS if notebook in step.notebooks]
