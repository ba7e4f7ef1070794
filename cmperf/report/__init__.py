"""Result store, rankings, tables, charts and the HTML report for MLPerf inference results.

Layers, each in its own module:
``results`` (the Result record and scenario metrics), ``importer`` (CSV of published results),
``loadgen_logs`` / ``local`` (results of local runs), ``store`` (a deduplicated collection),
``rankings`` (winners, top N, per accelerator, comparisons), ``tables`` / ``charts`` / ``html``
(presentation) and ``seed`` (the cTuning v3.1 report rebuilt from data).
"""
from .errors import DataError, NoDataError, ReportError

__all__ = ["DataError", "NoDataError", "ReportError"]
