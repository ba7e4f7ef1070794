"""The cache of script outputs: tag-addressed entries that appear only when complete.

An entry is a directory `<CM_REPOS>/repos/local/cache/<uid>/` (cmind's local repository)
holding the script's payload, `cm-cached-state.json` (new_env, new_state, version) and,
written last and atomically, `_cm.json` (tags and the cache key). A directory without
`_cm.json` is a build in progress or a failed/killed one: lookups never see it, and it is
removed once no process holds its key's lock. Builds of one key are serialised by a lock
file, so two concurrent runs end with one entry.
"""
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import CacheError

CACHE_AUTOMATION = {"automation_alias": "cache", "automation_uid": "541d6f712a6b464e"}
META_FILE = "_cm.json"
STATE_FILE = "cm-cached-state.json"
BUILDING_FILE = ".cmperf-building"


def cache_key(material):
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Entry:
    path: str
    meta: dict

    @property
    def uid(self):
        return self.meta.get("uid", os.path.basename(self.path))

    @property
    def key(self):
        return self.meta.get("cmperf", {}).get("key", "")

    @property
    def tags(self):
        return self.meta.get("tags", [])

    @property
    def version(self):
        return self.meta.get("version", "")

    @property
    def created(self):
        return self.meta.get("cmperf", {}).get("created", 0)

    def load_state(self):
        try:
            with open(os.path.join(self.path, STATE_FILE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise CacheError(f"cache entry {self.path} is unreadable ({e}); remove it with "
                             f"`cm rm cache --tags={','.join(self.tags)} -f`") from None


class CacheStore:
    def __init__(self, home):
        self.root = os.path.join(home, "repos", "local", "cache")
        self._entries = None

    # ---- reading -------------------------------------------------------------
    def entries(self, refresh=False):
        if self._entries is None or refresh:
            self._entries = self._scan()
        return self._entries

    def _scan(self):
        found = []
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return found
        for name in names:
            path = os.path.join(self.root, name)
            if name.startswith("."):
                continue
            try:
                with open(os.path.join(path, META_FILE), encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError):
                self._collect_abandoned(path)
                continue
            found.append(Entry(path, meta))
        found.sort(key=lambda e: e.created, reverse=True)
        return found

    def lookup(self, key, refresh=False):
        """The newest complete entry with this key, or None."""
        for entry in self.entries(refresh):
            if entry.key == key:
                if os.path.isfile(os.path.join(entry.path, STATE_FILE)):
                    return entry
        return None

    def find(self, tags=(), excluded=()):
        wanted, unwanted = set(tags), set(excluded)
        return [e for e in self.entries(refresh=True)
                if wanted.issubset(e.tags) and not unwanted & set(e.tags)]

    # ---- writing -------------------------------------------------------------
    @contextmanager
    def locked(self, key):
        lock_dir = os.path.join(self.root, ".locks")
        os.makedirs(lock_dir, exist_ok=True)
        with open(os.path.join(lock_dir, key[:32] + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def start_build(self, key, reuse=None):
        """A directory to build an entry in; invisible until commit()."""
        if reuse is not None:
            path = reuse.path
            os.remove(os.path.join(path, META_FILE))   # --renew: hide it while rebuilding
            self._entries = None
        else:
            path = os.path.join(self.root, uuid.uuid4().hex[:16])
            os.makedirs(path)
        with open(os.path.join(path, BUILDING_FILE), "w") as f:
            f.write(f"{os.getpid()} {key}\n")
        return path

    def commit(self, path, key, tags, state, version="", info=None):
        _write_json(os.path.join(path, STATE_FILE), state)
        meta = {"alias": "", "uid": os.path.basename(path), **CACHE_AUTOMATION,
                "tags": _unique(tags), "version": version,
                "cmperf": {"key": key, "created": time.time(), **(info or {})}}
        _write_json(os.path.join(path, META_FILE), meta)   # the entry becomes visible here
        os.remove(os.path.join(path, BUILDING_FILE))
        entry = Entry(path, meta)
        if self._entries is not None:
            self._entries.insert(0, entry)
        return entry

    def abandon(self, path):
        """Forget a failed build: it never becomes visible; its log stays until collected."""
        self._entries = None

    def delete(self, entry):
        shutil.rmtree(entry.path, ignore_errors=True)
        self._entries = None

    def _collect_abandoned(self, path):
        marker = os.path.join(path, BUILDING_FILE)
        try:
            with open(marker, encoding="utf-8") as f:
                pid_text, key = f.read().split()
        except (OSError, ValueError):
            return
        if _pid_alive(int(pid_text)):
            return
        lock_path = os.path.join(self.root, ".locks", key[:32] + ".lock")
        try:
            with open(lock_path, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
        except OSError:
            return   # a live build of the same key holds it
        shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unique(items):
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _write_json(path, data):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
