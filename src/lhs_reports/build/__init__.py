"""Planning and executing report jobs: one per (report family, parameter set)."""

from lhs_reports.build.engine import BuildReport, PlannedJob, plan_build, run_build
from lhs_reports.build.outcome import ExecutionSettings, JobResult
from lhs_reports.build.plan import Job, Project, load_project, plan_jobs

__all__ = ["BuildReport", "ExecutionSettings", "Job", "JobResult", "PlannedJob", "Project",
           "load_project", "plan_build", "plan_jobs", "run_build"]
