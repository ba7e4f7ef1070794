"""Exact versions cmperf installs where an unpinned pip install goes wrong: the one definition.

An unpinned ``torch`` resolves to the newest wheel, on Linux a multi-GB CUDA build; cmperf's
pytorch backend is tested with the version below. setup.py's ``pytorch`` extra and
get-generic-python-lib's ``_torch`` (via cmperf.platform.python_packages) both read it.

Keep this file free of imports: setup.py runs it by path (runpy.run_path), without
importing the cmperf package, so a fresh clone stays installable.
"""

TORCH = "2.13.0"
