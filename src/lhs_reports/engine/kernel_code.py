"""The Python a warm kernel runs besides notebooks: warm-up once, a reset after each notebook.

Kept apart from :mod:`lhs_reports.engine.kernels` (which starts, drives and replaces kernels)
because this is code for the kernel's side: it runs in the kernel's namespace, prints its
report as JSON, and must leave that namespace as a fresh kernel's.
"""

from __future__ import annotations

#: Imported (and a figure drawn) once per kernel, before any notebook runs.
WARM_UP = """
import os, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy, pandas, scipy.stats, statsmodels.api, plotnine
import lhs_reports, lhs_reports.notebook, lhs_reports.stats, lhs_reports.plots, lhs_reports.data
_fig = plt.figure(); plt.plot([0, 1]); _fig.canvas.draw(); plt.close("all")
_df = pandas.DataFrame({"x": [1, 2], "y": [1, 2]})
(plotnine.ggplot(_df, plotnine.aes("x", "y")) + plotnine.geom_point()).draw()
plt.close("all")
import copy as _copy
# Kept on the shell object: `%reset -f` clears the namespace but not this.
get_ipython()._lhs_baseline = {
    "rc": _copy.deepcopy(dict(matplotlib.rcParams)),
    "cwd": os.getcwd(),
    "theme": plotnine.theme_get(),
    "theme_type": type(plotnine.theme_get()),
}
del _fig, _df, _copy
# A fresh namespace, execution count 1 and a new history session, as in a new kernel.
get_ipython().reset(new_session=True)
"""

#: Run after every notebook: report leaks and peak memory as JSON, then restore a fresh state.
RESET = """
import json as __json, os as __os, warnings as __warnings
import matplotlib as __mpl, matplotlib.pyplot as __plt
__leaks = {}
if __plt.get_fignums():
    __leaks["open_figures"] = len(__plt.get_fignums())
__plt.close("all")
__base = get_ipython()._lhs_baseline
with __warnings.catch_warnings():
    __warnings.simplefilter("ignore")
    __changed = sorted(k for k, v in __mpl.rcParams.items()
                       if k in __base["rc"] and str(__base["rc"][k]) != str(v))
    if __changed:
        __leaks["rcparams"] = __changed[:10]
        __mpl.rcParams.update(__base["rc"])
import plotnine as __p9
if type(__p9.theme_get()) is not __base["theme_type"]:
    __leaks["plotnine_theme"] = True
    __p9.theme_set(__base["theme"])
if __os.getcwd() != __base["cwd"]:
    __leaks["cwd"] = __os.getcwd()
    __os.chdir(__base["cwd"])
import resource as __resource, sys as __sys
# Peak resident memory: kilobytes on Linux, bytes on macOS.
__peak = __resource.getrusage(__resource.RUSAGE_SELF).ru_maxrss
__peak_mb = __peak / (2**20 if __sys.platform == "darwin" else 2**10)
print(__json.dumps({"leaks": __leaks, "peak_mb": round(__peak_mb, 1)}))
if "lhs_reports.data.reads" in __sys.modules:  # a failed notebook's reads were never taken
    __sys.modules["lhs_reports.data.reads"].clear()
get_ipython().reset(new_session=True)
"""

#: Run after a notebook succeeded: what it read through the data layer, as JSON.
COLLECT_READS = """
import json as __json
import lhs_reports.data.reads as __reads
print(__json.dumps(__reads.take()))
del __json, __reads
"""

#: Run straight after WARM_UP and after RESET. The libraries imported at warm-up live as long as
#: the kernel: freezing moves them out of the garbage collector's sight, so a full collection
#: scans only what notebooks create (~0.1 s saved per collection). After a notebook: reset()
#: collects garbage before it clears the namespace, so collect what the namespace held (no
#: finaliser of this notebook's objects then runs during the next one), and freeze what is
#: left, the modules and caches the notebooks filled (~0.05 s less per demo notebook).
FREEZE = """
import gc as __gc
__gc.collect()
__gc.freeze()
del __gc
"""

#: Frozen objects that later become garbage in a cycle (a cache entry dropped, say) are not
#: collected while frozen, so every RESCAN_EVERY notebooks everything is scanned once more.
#: Measured over 100 demo notebooks, a kernel's memory then stays at 365-390 MiB, as without
#: freezing (364-378 MiB); without the rescan it grew to 446 MiB.
RESCAN_EVERY = 20
UNFREEZE = "\n__import__('gc').unfreeze()\n"
