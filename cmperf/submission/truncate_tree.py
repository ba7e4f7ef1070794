"""Truncate the accuracy logs of an existing submission tree, as the official
truncate_accuracy_log.py does: each mlperf_log_accuracy.json over the size limit keeps its head and
tail, accuracy.txt gets the sha256 of the full log, and the full log is first copied into a backup
directory (which must be new), so nothing is lost."""
import os
import shutil

from ..core import atomic
from ..core.errors import CmperfError
from ..filehash import sha256_file
from . import accuracy_log
from .rounds import MAX_ACCURACY_LOG_BYTES

ACC_LOG = "mlperf_log_accuracy.json"


class TruncateError(CmperfError):
    pass


def accuracy_logs(submission_dir, submitter=None):
    """Every accuracy log under <division>/<submitter>/results/ (compliance ones included)."""
    found = []
    for division in sorted(os.listdir(submission_dir)):
        ddir = os.path.join(submission_dir, division)
        if not os.path.isdir(ddir) or division.startswith("."):
            continue
        for org in sorted(os.listdir(ddir)):
            if submitter and org != submitter:
                continue
            results = os.path.join(ddir, org, "results")
            for root, _dirs, files in os.walk(results):
                if ACC_LOG in files:
                    found.append(os.path.join(root, ACC_LOG))
    return found


def validate(submission_dir, backup_dir):
    if not submission_dir or not os.path.isdir(submission_dir):
        raise TruncateError(f"submission directory not found: {submission_dir or '(none)'}; pass --submission_dir")
    if os.path.exists(backup_dir) and os.listdir(backup_dir):
        raise TruncateError(f"backup directory {backup_dir} is not empty: full accuracy logs are never "
                            "overwritten; pass a new --backup_dir")
    if os.path.abspath(backup_dir).startswith(os.path.abspath(submission_dir) + os.sep):
        raise TruncateError(f"backup directory {backup_dir} is inside the submission tree; choose one outside it")


def truncate(submission_dir, backup_dir, submitter=None):
    """Truncate the oversized logs; return the list of truncated log paths (already small ones are kept)."""
    validate(submission_dir, backup_dir)
    logs = accuracy_logs(submission_dir, submitter)
    if not logs:
        raise TruncateError(f"no {ACC_LOG} under {submission_dir}/<division>/{submitter or '<submitter>'}/results")
    done = []
    for log in logs:
        if os.path.getsize(log) <= MAX_ACCURACY_LOG_BYTES:
            continue
        acc_txt = os.path.join(os.path.dirname(log), "accuracy.txt")
        if not os.path.isfile(acc_txt):
            raise TruncateError(f"{acc_txt} is missing: the hash of the full log has nowhere to go")
        rel = os.path.relpath(log, submission_dir)
        saved = os.path.join(backup_dir, rel)
        os.makedirs(os.path.dirname(saved), exist_ok=True)
        shutil.copy2(log, saved)                     # the full log first, then the change
        digest = sha256_file(log)
        with open(acc_txt, encoding="utf-8") as f:
            text = f.read()
        atomic.write_text(acc_txt, accuracy_log.accuracy_txt_with_hash(text, digest))
        data = accuracy_log.truncated_bytes(log)
        with atomic.atomic_path(log) as tmp:
            with open(tmp, "wb") as f:
                f.write(data)
        done.append(log)
    return done
