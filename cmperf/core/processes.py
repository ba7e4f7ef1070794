"""Is a process still there? Used to tell a live writer's leftovers from a killed one's."""
import os


def pid_alive(pid):
    """True while ``pid`` runs (ours included); a zombie or a non-positive pid is not alive."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:        # someone else's process: alive
        return True
    try:    # a zombie (killed, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
