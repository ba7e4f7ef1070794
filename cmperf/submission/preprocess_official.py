"""Run the official preprocess_submission.py (mlcommons/inference tools/submission): it writes a new
submission tree with results inferred from measured ones (e.g. edge Offline from MultiStream) and
failed results moved aside. The original tree is not modified and the output must be new."""
import os
import subprocess
import sys

from ..core.errors import CmperfError


class PreprocessError(CmperfError):
    pass


def submitter_of(submission_dir):
    """The only <division>/<submitter> of a tree (else an error asking for --submitter)."""
    orgs = sorted({org for d in os.listdir(submission_dir) if os.path.isdir(os.path.join(submission_dir, d))
                   for org in os.listdir(os.path.join(submission_dir, d))
                   if os.path.isdir(os.path.join(submission_dir, d, org))})
    if len(orgs) != 1:
        raise PreprocessError(f"{submission_dir}: submitters {', '.join(orgs) or 'none'}; pass --submitter")
    return orgs[0]


def command(src, submission_dir, output_dir, submitter=None, version=None):
    """(argv, cwd) of the official preprocessor; everything checkable is checked first."""
    tool = os.path.join(src or "", "tools", "submission", "preprocess_submission.py")
    if not src or not os.path.isfile(tool):
        raise PreprocessError(f"{tool}: not found (expected a checkout of mlcommons/inference; "
                              "the get,mlperf,inference,src dependency provides one)")
    if not submission_dir or not os.path.isdir(submission_dir):
        raise PreprocessError(f"submission directory not found: {submission_dir or '(none)'}; pass --submission_dir")
    if os.path.exists(output_dir):
        raise PreprocessError(f"{output_dir} exists: the preprocessed tree is always written to a new directory")
    argv = [sys.executable, tool, "--input", os.path.abspath(submission_dir), "--output", os.path.abspath(output_dir),
            "--submitter", submitter or submitter_of(submission_dir)]
    if version:
        argv += ["--version", version]
    return argv, os.path.dirname(tool)


def run(argv, cwd):
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode:
        raise PreprocessError(f"preprocess_submission.py failed (rc {proc.returncode}): "
                              + "\n".join((proc.stdout + proc.stderr).splitlines()[-10:]))
