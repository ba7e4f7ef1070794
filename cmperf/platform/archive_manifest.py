"""What an earlier extraction wrote into a directory, so ``--overwrite`` replaces only that.

The record is a JSON file listing every path (relative, "/"-separated) an extraction put in
the target. It lives next to the target when cmperf created the target (so the extracted
directory holds exactly the archive's content), and inside it (``.cmperf-extract.json``) when
the archive was unpacked into a directory that existed before (``--extract_path=.``).
"""
import json
import os

from ..core.atomic import write_text

INSIDE_NAME = ".cmperf-extract.json"


def sibling_path(target):
    parent, name = os.path.split(os.path.abspath(target).rstrip(os.sep) or os.sep)
    return os.path.join(parent, f".{name}.cmperf-extract.json") if name else None


def inside_path(target):
    return os.path.join(target, INSIDE_NAME)


def load(target):
    """(record path or None, set of owned relative paths)."""
    for path in (sibling_path(target), inside_path(target)):
        if path and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                paths = data.get("paths") if isinstance(data, dict) else None
                if isinstance(paths, list):
                    return path, {p for p in paths if isinstance(p, str)}
            except (OSError, ValueError):
                pass
            return path, set()  # unreadable record: own nothing (never guess in favour of deleting)
    return None, set()


def save(path, owned, archive):
    data = {"version": 1, "written_by": "cmperf extract-file", "last_archive": os.path.abspath(archive),
            "paths": sorted(owned)}
    write_text(path, json.dumps(data, indent=0) + "\n")


def tree_paths(root, prefix=""):
    """Every path under ``root`` (dirs, files, links; links not followed), relative and "/"-separated."""
    out = []
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(prefix + base + n for n in dirs + files)
    return out


def foreign_paths(target, entry, owned):
    """Paths under target/entry that no earlier extraction wrote (the user's), first few only."""
    full = os.path.join(target, entry)
    if entry not in owned:
        return [entry]
    if os.path.islink(full) or not os.path.isdir(full):
        return []
    return [p for p in tree_paths(full, entry + "/") if p not in owned][:5]
