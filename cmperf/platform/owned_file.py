"""Write a report file that cmperf may later replace, but never a user's file of the same name.

The first line of every such file is a marker; an existing file without it is left alone and
the write is refused, naming the file (nothing of the user's is overwritten)."""
import os

from ..core import atomic
from ..core.errors import CmperfError

MARKER = "# written by cmperf"


class NotOurFile(CmperfError):
    pass


def write(path, what, body):
    """Write `# written by cmperf <what>` + body to path atomically; refuse a file cmperf did not write."""
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline()
        if not first.startswith(MARKER):
            raise NotOurFile(f"{path} exists and was not written by cmperf: move it away or choose "
                             "another --outdirname")
    atomic.write_text(path, f"{MARKER} {what}\n{body}")
    return path
