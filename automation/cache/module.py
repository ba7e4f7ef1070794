"""CM adapter for `cm show/find/rm cache`: reads cmperf.engine's cache store."""
import json
import os
import re
import sys

from cmind.automation import Automation

try:
    import cmperf  # noqa: F401  (the package only: the engine is imported by the actions that use it)
except ImportError:   # a checkout used by `cm pull repo` without `pip install -e .`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# cmind imports this module for every `cm <action> cache`, cmind's own actions too: the engine is
# imported inside the actions that read the store, as automation/script/module.py does.

_UID = re.compile(r"^[0-9a-f]{16}$")


def _tags(i):
    words = [w for w in str(i.get("tags", "") or "").replace(" ", ",").split(",") if w]
    art = i.get("artifact", "")
    if art and art not in ("*", ".") and not _UID.match(art):
        words += [w for w in art.replace(" ", ",").split(",") if w]
    return [w for w in words if not w.startswith("-")], [w[1:] for w in words if w.startswith("-")]


def _select(i, store):
    """Entries named by tags or by uid (`cm rm cache <uid>`); malformed ones only without tags."""
    tags, excluded = _tags(i)
    art = i.get("artifact", "")
    uid = art if _UID.match(art or "") else None
    return store.find(tags, excluded, uid=uid, include_broken=True)


def _line(e):
    if e.problem:
        return f"* BROKEN: {e.problem}\n  path: {e.path}\n  remove: cm rm cache {e.uid} -f"
    return f"* tags: {','.join(e.tags)}\n  path: {e.path}\n  version: {e.version or '-'}"


def _listing(i, entries, console_line):
    r = {"return": 0, "list": [{"path": e.path, "tags": e.tags, "version": e.version,
                                **({"problem": e.problem} if e.problem else {})} for e in entries]}
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
        from cmperf.engine import api
        return _listing(i, _select(i, api.cache_store()), lambda e: e.path)

    def show(self, i):
        """cm show cache [--tags=a,b] : tags, path and version of each entry."""
        from cmperf.engine import api
        entries = _select(i, api.cache_store())
        r = _listing(i, entries, _line)
        if i.get("out") == "con" and not (i.get("j") or i.get("json")):
            print(f"{len(entries)} cache entr{'y' if len(entries) == 1 else 'ies'}")
        return r

    def delete(self, i):
        """
        cm rm cache [--tags=a,b | UID] [-f] [--wait=SECONDS] [--force_in_use]

        -f skips the confirmation only. An entry a running job uses is deleted once that job
        ends (waiting up to --wait seconds, 3 by default), else refused naming the job;
        --force_in_use deletes it anyway.
        """
        from cmperf.core.truth import is_true
        from cmperf.engine import api
        from cmperf.engine.errors import CacheError
        store = api.cache_store()
        entries = _select(i, store)
        force = bool(i.get("f") or i.get("force"))
        if entries and not force:
            if not sys.stdin.isatty():
                return {"return": 1, "error": f"{len(entries)} cache entries match; add -f to delete them"}
            answer = input(f"delete {len(entries)} cache entries? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                return {"return": 0, "deleted": []}
        try:
            wait = float(i.get("wait", 3))
        except (TypeError, ValueError):
            return {"return": 1, "error": f"--wait must be a number of seconds, not {i.get('wait')!r}"}
        deleted, refused = [], []
        for e in entries:
            try:
                store.delete(e, wait=wait, force_in_use=is_true(i.get("force_in_use")))
            except CacheError as err:
                refused.append(str(err))
                continue
            except KeyboardInterrupt:
                return {"return": 130, "error": f"interrupted; deleted {len(deleted)} of {len(entries)} entries"}
            deleted.append(e.path)
            if i.get("out") == "con":
                print(f"deleted {e.path}")
        if refused:
            return {"return": 1, "error": "\n".join(refused), "deleted": deleted}
        return {"return": 0, "deleted": deleted}
