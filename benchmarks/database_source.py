"""Benchmark a database source: one trust's report from a 10-million-row activity table.

Creates, in a temporary folder, a DuckDB file with a contact-level ``contacts`` table (generated
in DuckDB with ``range()``: N rows spread over 20 trusts and 36 months, with a few flags per
contact) and small ``trusts``, ``population`` and ``activity_by_group`` tables, and a project
whose catalogue reads ``activity_monthly`` as a ``GROUP BY`` query over the contacts. Then
times, each in its own process, and measures its peak memory:

1. the extract from cold (``refresh_extract``: the query runs in DuckDB, a few hundred rows
   come back and are split into one Parquet file per trust);
2. the extract again with nothing changed (no file is written);
3. a build of one trust's report (``build --only CODE --family crisis_flow --renderer
   builtin``), which refreshes the extract first.

Peak memory is the largest resident set of the process (``wait4``'s ``ru_maxrss``) and, for
the build, the peak of the process and its kernels together (sampled with psutil when it is
installed). The extract must stay within 1 GiB. Usage::

    .venv/bin/python benchmarks/database_source.py            # 10,000,000 rows
    .venv/bin/python benchmarks/database_source.py --rows 1000000 --family needs_assessment

Measured on a 2-core shared machine (two other jobs running), 10,000,000 rows (a 45 MB DuckDB
file, made in 6 s); seconds, peak of the process, peak with its kernels::

    extract, cold                                           2.6 s   300 MB
    extract, nothing changed                                2.1 s   292 MB
    build --only RB01 --family crisis_flow                 10.1 s   332 MB   622 MB
    build --only RB01 --family needs_assessment            23.8 s   354 MB   643 MB

Most of an extract's time and memory is starting Python with pandas and SQLAlchemy: the
query's result is 720 rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
GIB = 1 << 30

#: The dictionary's activity_monthly columns, aggregated in DuckDB from one row per contact.
MONTHLY_QUERY = """
SELECT trust AS trust_code, date_trunc('month', contact_date) AS month,
       SUM(referral) AS referrals, SUM(crisis) AS crisis_contacts,
       SUM(crisis_24h) AS crisis_contacts_24h, SUM(admission) AS admissions,
       SUM(bed_days) AS occupied_bed_days, SUM(discharge) AS discharges,
       SUM(followup_72h) AS followups_72h, SUM(readmission) AS readmissions_30d,
       SUM(out_of_area) AS out_of_area_bed_days, SUM(delayed) AS delayed_discharge_days,
       SUM(detention) AS mha_detentions
FROM contacts
GROUP BY trust, date_trunc('month', contact_date)
"""


def make_database(path: Path, rows: int, trusts: int, months: int) -> list[str]:
    """The DuckDB file; returns the trust codes (held in lower case, as a warehouse may)."""
    import duckdb

    codes = [f"RB{n:02d}" for n in range(1, trusts + 1)]
    with duckdb.connect(str(path)) as db:
        # h: a well-mixed number per contact, so the flags vary without a random generator.
        db.execute(f"""
            CREATE TABLE contacts AS
            WITH c AS (SELECT i, hash(i) % 1000 AS h FROM range({rows}) t(i))
            SELECT lower('RB' || lpad(CAST(i % {trusts} + 1 AS VARCHAR), 2, '0')) AS trust,
                   CAST(DATE '2022-04-01' + to_months(CAST((i // {trusts}) % {months} AS INTEGER))
                        + to_days(CAST(i % 28 AS INTEGER)) AS DATE) AS contact_date,
                   CAST(h < 150 AS INTEGER) AS referral,
                   CAST(h < 60 AS INTEGER) AS crisis,
                   CAST(h < 45 AS INTEGER) AS crisis_24h,
                   CAST(h BETWEEN 900 AND 919 AS INTEGER) AS admission,
                   CAST(h BETWEEN 900 AND 919 AS INTEGER) * (1 + h % 20) AS bed_days,
                   CAST(h BETWEEN 920 AND 939 AS INTEGER) AS discharge,
                   CAST(h BETWEEN 920 AND 935 AS INTEGER) AS followup_72h,
                   CAST(h BETWEEN 920 AND 922 AS INTEGER) AS readmission,
                   CAST(h BETWEEN 940 AND 944 AS INTEGER) AS out_of_area,
                   CAST(h BETWEEN 945 AND 960 AS INTEGER) AS delayed,
                   CAST(h BETWEEN 961 AND 970 AS INTEGER) AS detention
            FROM c""")
        values = ", ".join(f"('{c}', 'Benchmark Trust {c}', 'North')" for c in codes)
        db.execute(f"CREATE TABLE trusts AS SELECT * FROM (VALUES {values}) "
                   "t(trust_code, trust_name, region)")
        bands = ", ".join(f"('{a}-{a + 4}', {n})" for n, a in enumerate(range(0, 90, 5)))
        db.execute(f"""
            CREATE TABLE population AS
            SELECT trust.code AS trust_code, band.age_band, sex.sex, q.imd_quintile,
                   eth.ethnic_group, CAST(500 - 15 * band.n + 20 * (5 - q.imd_quintile)
                                          AS INTEGER) AS population
            FROM (VALUES {", ".join(f"('{c}')" for c in codes)}) trust(code),
                 (VALUES {bands}, ('90+', 18)) band(age_band, n),
                 (VALUES ('Female'), ('Male')) sex(sex),
                 (VALUES (1), (2), (3), (4), (5)) q(imd_quintile),
                 (VALUES ('Asian'), ('Black'), ('Mixed'), ('White'), ('Other')) eth(ethnic_group)
            """)
        db.execute("""
            CREATE TABLE activity_by_group AS
            SELECT trust_code, age_band, sex, imd_quintile, ethnic_group,
                   population // 8 AS referrals, population // 12 AS crisis_contacts,
                   population // 40 AS admissions, population // 60 AS mha_detentions
            FROM population""")
    return codes


def make_project(root: Path, rows: int, trusts: int, months: int, family: str) -> list[str]:
    """A project with the package's report notebooks, reading the DuckDB file."""
    notebooks = next(folder for folder in (REPO / "src" / "lhs_reports" / "notebooks",
                                           REPO / "notebooks")
                     if (folder / f"{family}.ipynb").is_file())
    shutil.copytree(notebooks, root / "notebooks")
    catalogue = yaml.safe_load((REPO / "params" / "reports.yaml").read_text())
    catalogue["data"] = {"source": "duckdb:///data/warehouse.duckdb",
                         "tables": {"activity_monthly": {"query": MONTHLY_QUERY}}}
    catalogue["families"] = [f for f in catalogue["families"] if f["id"] == family]
    (root / "params" / "trusts").mkdir(parents=True)
    (root / "params" / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    (root / "data").mkdir()
    codes = make_database(root / "data" / "warehouse.duckdb", rows, trusts, months)
    for code in codes:
        (root / "params" / "trusts" / f"{code}.yaml").write_text(yaml.safe_dump(
            {"trust_code": code, "trust_name": f"Benchmark Trust {code}"}))
    return codes


def measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Seconds, peak resident set of the process itself (``wait4``), and peak of the process
    and its descendants together (sampled every 50 ms; 0 without psutil)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if psutil is not None:
                try:
                    parent = psutil.Process(process.pid)
                    members = [parent, *parent.children(recursive=True)]
                    tree_peak = max(tree_peak, sum(p.memory_info().rss for p in members))
                except psutil.Error:
                    pass
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise SystemExit(f"command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss * 1024, tree_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--trusts", type=int, default=20)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--family", default="crisis_flow",
                        choices=["crisis_flow", "needs_assessment"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lhs-bench-db-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        codes = make_project(root, args.rows, args.trusts, args.months, args.family)
        size = (root / "data" / "warehouse.duckdb").stat().st_size
        print(f"DuckDB file: {args.rows:,} contacts, {args.trusts} trusts x {args.months} "
              f"months, {size / 1e6:,.0f} MB, made in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "CI": "true", "LHS_REPORTS_PROJECT": str(root)}
        python = sys.executable
        extract = [python, "-c",
                   "from pathlib import Path; from lhs_reports.engine.plan import load_project; "
                   "from lhs_reports.data.extract import refresh_extract; "
                   "p = load_project(); d = p.catalogue.data; "
                   "print(refresh_extract(d.source, d.tables, p.data_dir, root=p.root).line)"]
        build = [python, "-m", "lhs_reports.cli", "build", "--only", codes[0], "--family",
                 args.family, "--renderer", "builtin"]
        rows = [("extract, cold", *measured(extract, root, env)),
                ("extract, nothing changed", *measured(extract, root, env))]
        shutil.rmtree(root / "outputs")
        rows.append((f"build --only {codes[0]} --family {args.family} (extract included)",
                     *measured(build, root, env)))
        files = sorted(p.relative_to(root).as_posix()
                       for p in (root / "outputs" / "data" / "extract").rglob("*.parquet"))
        print(f"extract: {len(files)} files, e.g. {files[0]}")
        print(f"{'run':<62} {'seconds':>8} {'peak MB':>8} {'with kernels MB':>16}")
        for name, seconds, peak, tree in rows:
            print(f"{name:<62} {seconds:>8.1f} {peak / 1e6:>8.0f} "
                  f"{(tree / 1e6 if tree else float('nan')):>16.0f}")
        extract_peak = max(rows[0][2], rows[0][3])
        verdict = "within" if extract_peak <= GIB else "OVER"
        print(f"extract peak {extract_peak / GIB:.2f} GiB: {verdict} the 1 GiB budget")


if __name__ == "__main__":
    main()
