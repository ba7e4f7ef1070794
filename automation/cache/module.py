"""CM adapter for `cm show/find/rm cache`: reads cmperf.engine's cache store."""
import json
import os
import sys

from cmind.automation import Automation

try:
    from cmperf.engine import api
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from cmperf.engine import api


def _tags(i):
    words = [w for w in str(i.get("tags", "") or "").replace(" ", ",").split(",") if w]
    art = i.get("artifact", "")
    if art and art not in ("*", "."):
        words += [w for w in art.replace(" ", ",").split(",") if w]
    return [w for w in words if not w.startswith("-")], [w[1:] for w in words if w.startswith("-")]


def _listing(i, entries, console_line):
    r = {"return": 0, "list": [{"path": e.path, "tags": e.tags, "version": e.version} for e in entries]}
    if i.get("j") or i.get("json"):
        print(json.dumps(r, indent=2, sort_keys=True))
    elif i.get("out") == "con":
        for e in entries:
            print(console_line(e))
    return r


class CAutomation(Automation):
    """Cache entries of cached scripts (cmperf store)."""

    def __init__(self, cmind, automation_file):
        super().__init__(cmind, __file__)

    def search(self, i):
        """cm find cache --tags=a,b : print the paths of matching entries."""
        tags, excluded = _tags(i)
        return _listing(i, api.cache_store().find(tags, excluded), lambda e: e.path)

    def show(self, i):
        """cm show cache [--tags=a,b] : tags, path and version of each entry."""
        tags, excluded = _tags(i)
        entries = api.cache_store().find(tags, excluded)
        r = _listing(i, entries, lambda e: f"* tags: {','.join(e.tags)}\n  path: {e.path}\n"
                                           f"  version: {e.version or '-'}")
        if i.get("out") == "con" and not (i.get("j") or i.get("json")):
            print(f"{len(entries)} cache entr{'y' if len(entries) == 1 else 'ies'}")
        return r

    def delete(self, i):
        """cm rm cache --tags=a,b -f : delete matching entries (asks unless -f)."""
        tags, excluded = _tags(i)
        store = api.cache_store()
        entries = store.find(tags, excluded)
        force = bool(i.get("f") or i.get("force"))
        if entries and not force:
            if not sys.stdin.isatty():
                return {"return": 1, "error": f"{len(entries)} cache entries match; add -f to delete them"}
            answer = input(f"delete {len(entries)} cache entries? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                return {"return": 0, "deleted": []}
        for e in entries:
            store.delete(e)
            if i.get("out") == "con":
                print(f"deleted {e.path}")
        return {"return": 0, "deleted": [e.path for e in entries]}
