"""Run the official MLCommons submission checker from an mlcommons/inference checkout."""
import os
import subprocess
import sys
from dataclasses import dataclass


class OfficialCheckerError(RuntimeError):
    pass


@dataclass
class OfficialResult:
    returncode: int
    output: str

    @property
    def ok(self):
        return self.returncode == 0 and "SUMMARY: submission looks OK" in self.output

    @property
    def error_lines(self):
        return [l for l in self.output.splitlines() if " ERROR" in l or "Traceback" in l]


def official_command(src, submission_dir, version, skip_compliance=False):
    """(argv, cwd) for the round's checker: v3.1 is one script, master a package."""
    tools = os.path.join(src, "tools", "submission")
    single = os.path.join(tools, "submission_checker.py")
    package = os.path.join(tools, "submission_checker", "main.py")
    base = ["--input", os.path.abspath(submission_dir), "--version", version]
    if os.path.isfile(package):
        return [sys.executable, "-m", "submission_checker.main", *base], tools
    if os.path.isfile(single):
        extra = ["--skip_compliance"] if skip_compliance else []
        return [sys.executable, single, *base, *extra], tools
    raise OfficialCheckerError(f"{src}: no tools/submission/submission_checker(.py) found "
                               "(expected a checkout of mlcommons/inference)")


def run_official_checker(src, submission_dir, version, skip_compliance=False, timeout=600):
    argv, cwd = official_command(src, submission_dir, version, skip_compliance)
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OfficialCheckerError(f"could not run {' '.join(argv)}: {e}") from None
    return OfficialResult(proc.returncode, proc.stdout + proc.stderr)
