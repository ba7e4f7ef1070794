"""Parsers for LoadGen output: ``mlperf_log_detail.txt`` and ``mlperf_log_summary.txt``.

The detail log is a sequence of ``:::MLLOG {json}`` lines; every such line must be valid JSON
(the official checker rejects the run otherwise), so a broken line is reported with its
line number instead of being skipped.
"""
import json
import os
import re
from dataclasses import dataclass, field

MLLOG_PREFIX = ":::MLLOG"


class LogFormatError(ValueError):
    """A LoadGen log is missing or malformed; the message names the file (and line)."""


@dataclass
class DetailLog:
    path: str
    values: dict = field(default_factory=dict)      # key -> value of its last occurrence
    messages: list = field(default_factory=list)    # every parsed entry, in order
    errors: list = field(default_factory=list)      # entries with metadata.is_error
    warnings: list = field(default_factory=list)    # entries with metadata.is_warning

    def __contains__(self, key):
        return key in self.values

    def __getitem__(self, key):
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(f"{self.path}: key '{key}' not found in the LoadGen detail log") from None

    def get(self, key, default=None):
        return self.values.get(key, default)

    def error_texts(self):
        return [str(e.get("value")) for e in self.errors]


def parse_detail_log(path):
    """Parse a LoadGen detail log. Raises LogFormatError for a missing file or a bad line."""
    if not os.path.isfile(path):
        raise LogFormatError(f"{path}: LoadGen detail log not found")
    log = DetailLog(path=path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.startswith(MLLOG_PREFIX):
                continue
            text = line[len(MLLOG_PREFIX):].strip()
            try:
                entry = json.loads(text)
            except json.JSONDecodeError as e:
                raise LogFormatError(f"{path}:{lineno}: invalid :::MLLOG JSON ({e.msg})") from None
            if not isinstance(entry, dict) or "key" not in entry:
                raise LogFormatError(f"{path}:{lineno}: :::MLLOG entry without a 'key'")
            log.messages.append(entry)
            log.values[entry["key"]] = entry.get("value")
            meta = entry.get("metadata") or {}
            if meta.get("is_error"):
                log.errors.append(entry)
            if meta.get("is_warning"):
                log.warnings.append(entry)
    if not log.messages:
        raise LogFormatError(f"{path}: no :::MLLOG lines (not a LoadGen detail log)")
    return log


# "Samples per second: 515865", "90.0th percentile latency (ns) : 5550", "Result is : VALID"
_KV_LINE = re.compile(r"^\s*([^:*=][^:]*?)\s*:\s*(.*?)\s*$")


@dataclass
class SummaryLog:
    path: str
    values: dict = field(default_factory=dict)   # "Result is" -> "VALID", "samples_per_query" -> "110", ...

    def get(self, key, default=None):
        return self.values.get(key, default)

    @property
    def validity(self):
        return self.values.get("Result is")

    @property
    def scenario(self):
        return self.values.get("Scenario")


def parse_summary_log(path):
    """Parse ``mlperf_log_summary.txt`` into its ``name : value`` pairs."""
    if not os.path.isfile(path):
        raise LogFormatError(f"{path}: LoadGen summary log not found")
    summary = SummaryLog(path=path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("=") or line.lstrip().startswith("*"):
                continue
            m = _KV_LINE.match(line)
            if m and m.group(2) != "":
                summary.values.setdefault(m.group(1), m.group(2))
    if "Result is" not in summary.values:
        raise LogFormatError(f"{path}: no 'Result is' line (not a LoadGen summary log)")
    return summary
