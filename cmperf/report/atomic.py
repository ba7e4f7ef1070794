"""Kept for imports elsewhere in cmperf.report: the writer lives in cmperf.core.atomic."""
from cmperf.core.atomic import atomic_path, write_json, write_text  # noqa: F401
