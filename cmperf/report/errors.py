"""Exceptions of the report library: the CLI and CM adapters turn them into messages."""
from cmperf.core.errors import CmperfError


class ReportError(CmperfError):
    """Base class: any problem the user can fix by changing the input."""


class DataError(ReportError):
    """A results file is missing, unreadable or malformed (the message names the file and line)."""


class NoDataError(ReportError):
    """A query (benchmark, scenario, division, ...) matched no result: nothing to rank or plot."""
