"""Findings and the verdict of a submission check."""
from dataclasses import dataclass, field

ERROR = "ERROR"
WARNING = "WARNING"


@dataclass(frozen=True)
class Finding:
    level: str        # ERROR or WARNING
    rule: str         # short rule id, e.g. "perf.seeds"
    path: str         # the file or directory the finding concerns
    message: str
    official: bool = True   # False: the round's official checker does not reject this (we are stricter)

    def __str__(self):
        strict = "" if self.official or self.level != ERROR else " [stricter than the official checker]"
        return f"{self.level} [{self.rule}] {self.path}: {self.message}{strict}"


@dataclass
class ResultRow:
    """One result the checker read (accepted or not), for summaries."""
    division: str
    submitter: str
    system: str
    model: str
    mlperf_model: str
    scenario: str
    metric: str
    value: float
    accuracy: str
    validity: str
    accuracy_metric: str = ""   # the official metric name of `accuracy` ("acc", "F1")
    inferred: bool = False
    path: str = ""
    ok: bool = True


@dataclass
class Report:
    findings: list = field(default_factory=list)
    results: list = field(default_factory=list)

    def error(self, rule, path, message, official=True):
        self.findings.append(Finding(ERROR, rule, str(path), message, official))

    def warning(self, rule, path, message):
        self.findings.append(Finding(WARNING, rule, str(path), message))

    @property
    def errors(self):
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self):
        return not self.errors

    def rules(self):
        return sorted({f.rule for f in self.errors})
