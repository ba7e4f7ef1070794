"""cmperf: the engine and libraries behind the cmperf CM repository.

The CM automations in ``automation/`` are thin adapters over :mod:`cmperf.engine`;
the scripts in ``script/`` call the domain libraries (``cmperf.mlperf``,
``cmperf.submission``, ``cmperf.report``, ``cmperf.platform``) from small hooks.
"""

__version__ = "0.1.0"
