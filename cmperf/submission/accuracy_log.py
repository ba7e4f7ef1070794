"""Truncate mlperf_log_accuracy.json for a submission and keep accuracy.txt's hash= line right.

As the official truncate_accuracy_log.py does: the hash is the sha256 of the *full* accuracy log
(so a reviewer with the original can verify it), and the submitted log keeps only its first and
last few KiB so that it stays under the 10 KiB limit the checker enforces.
"""
import re

from .rounds import MAX_ACCURACY_LOG_BYTES

KEEP_BYTES = 4096
ELISION = b"\n\n...(truncated for the submission; hash in accuracy.txt)...\n\n"
_HASH_LINE = re.compile(r"^hash=[\w\d]*\s*$")


def truncated_bytes(path):
    """The submitted form of an accuracy log: unchanged when small enough, else head + tail."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) <= MAX_ACCURACY_LOG_BYTES:
        return data
    return data[:KEEP_BYTES] + ELISION + data[-KEEP_BYTES:]


def accuracy_txt_with_hash(text, digest):
    """accuracy.txt content with exactly one, correct, final hash= line."""
    lines = [l for l in text.splitlines() if not _HASH_LINE.match(l)]
    return "\n".join(lines + [f"hash={digest}"]) + "\n"
