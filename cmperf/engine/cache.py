"""The cache of script outputs: tag-addressed entries that appear only when complete.

An entry is a directory `<CM_REPOS>/repos/local/cache/<uid>/` (cmind's local repository)
holding the script's payload, `cm-cached-state.json` (new_env, new_state, version) and,
written last and atomically, `_cm.json` (tags and the cache key). A directory without
`_cm.json` is a build in progress or an unfinished (failed or killed) one: lookups never
see it; the next build of the same key resumes in it (a partial download continues), and
it is collected when nobody resumed it for a day. Builds of one key are serialised by a
lock file, so two concurrent runs end with one entry.

Entries in use: a run holds a shared flock on every entry it uses (hit or built) until it
ends; `delete()` takes the lock exclusively, so it waits for those runs or refuses and
names them. `--renew` builds beside the old entry and drops the old one only after the new
one is committed, so a killed renew never loses the previous good entry. An entry whose
`_cm.json` is malformed is skipped with a warning and can still be listed and removed.
"""
import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager

from ..core.digest import sha256_hex
from ..core.processes import pid_alive as _pid_alive
from .errors import CacheError

CACHE_AUTOMATION = {"automation_alias": "cache", "automation_uid": "541d6f712a6b464e"}
META_FILE = "_cm.json"
STATE_FILE = "cm-cached-state.json"
BUILDING_FILE = ".cmperf-building"
LOCKS = ".locks"
UNFINISHED_TTL_S = 24 * 3600      # an unfinished build nobody resumed for this long is collected


class CacheInUse(CacheError):
    """An entry to delete is held by a running job."""


def cache_key(material):
    return sha256_hex(json.dumps(material, sort_keys=True, default=str))


class Entry:
    """A cache entry (a plain class: see variations.Resolved)."""

    def __init__(self, path, meta, problem=""):
        self.path = path
        self.meta = meta
        self.problem = problem      # why the entry is unusable (malformed _cm.json); "" when fine

    def __repr__(self):
        return f"Entry({self.path})"

    @property
    def uid(self):
        return str(self.meta.get("uid") or os.path.basename(self.path))

    @property
    def key(self):
        return str(self._cmperf.get("key", ""))

    @property
    def tags(self):
        return [t for t in self.meta.get("tags", []) if isinstance(t, str)]

    @property
    def version(self):
        return str(self.meta.get("version", "") or "")

    @property
    def created(self):
        value = self._cmperf.get("created", 0)
        return value if isinstance(value, (int, float)) else 0

    @property
    def _cmperf(self):
        info = self.meta.get("cmperf")
        return info if isinstance(info, dict) else {}

    def load_state(self):
        try:
            with open(os.path.join(self.path, STATE_FILE), encoding="utf-8") as f:
                state = json.load(f)
            if not isinstance(state, dict):
                raise ValueError("not a JSON object")
            return state
        except (OSError, ValueError) as e:
            raise CacheError(f"cache entry {self.path} is unreadable ({e}); remove it with "
                             f"`cm rm cache {self.uid} -f`") from None


def _check_meta(meta):
    """Why a parsed _cm.json cannot be an entry, or ""."""
    if not isinstance(meta, dict):
        return f"{META_FILE} is not a JSON object"
    if not isinstance(meta.get("tags", []), list):
        return "`tags` is not a list"
    if not isinstance(meta.get("cmperf", {}), dict):
        return "`cmperf` is not an object"
    return ""


# One open lock file per entry this process uses (flock locks belong to the open file, so a
# second open of the same file by this process would conflict with its own shared lock).
_HELD = {}


class CacheStore:
    def __init__(self, home):
        self.root = os.path.join(home, "repos", "local", "cache")
        self._entries = None
        self.broken = []        # entries skipped because their _cm.json is malformed
        self._warned = set()

    # ---- reading -------------------------------------------------------------
    def entries(self, refresh=False):
        if self._entries is None or refresh:
            self._entries, self.broken = self._scan()
            self._warn_broken()
        return self._entries

    def _scan(self):
        found, broken = [], []
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return found, broken
        for name in names:
            path = os.path.join(self.root, name)
            if name.startswith(".deleting-"):   # a deletion that was killed half-way
                import shutil
                shutil.rmtree(path, ignore_errors=True)
                continue
            if name.startswith(".") or not os.path.isdir(path):
                continue
            meta_path = os.path.join(path, META_FILE)
            try:
                with open(meta_path, encoding="utf-8") as f:
                    meta = json.load(f)
            except FileNotFoundError:
                self._collect_abandoned(path)
                continue
            except (OSError, ValueError) as e:
                broken.append(Entry(path, {}, f"{META_FILE} is malformed ({e})"))
                continue
            problem = _check_meta(meta)
            if problem:
                broken.append(Entry(path, meta if isinstance(meta, dict) else {}, problem))
                continue
            found.append(Entry(path, meta))
        found.sort(key=lambda e: e.created, reverse=True)
        return found, broken

    def _warn_broken(self):
        for e in self.broken:
            if e.path not in self._warned:
                self._warned.add(e.path)
                print(f"cmperf: warning: skipping cache entry {e.path}: {e.problem}; "
                      f"remove it with `cm rm cache {os.path.basename(e.path)} -f`", file=sys.stderr)

    def lookup(self, key, refresh=False):
        """The newest complete entry with this key, or None; the entry is held (in use) from now on."""
        for entry in self.entries(refresh):
            if entry.key == key and os.path.isfile(os.path.join(entry.path, STATE_FILE)):
                self.hold(entry)
                if os.path.isfile(os.path.join(entry.path, META_FILE)):
                    return entry
                self.release(entry)     # deleted while we waited for the lock
                self._entries = None
        return None

    def find(self, tags=(), excluded=(), uid=None, include_broken=False):
        wanted, unwanted = set(tags), set(excluded)
        out = [e for e in self.entries(refresh=True)
               if wanted.issubset(e.tags) and not unwanted & set(e.tags)]
        if include_broken and not wanted:
            out += self.broken
        if uid:
            out = [e for e in out if uid in (e.uid, os.path.basename(e.path))]
        return out

    # ---- entries in use ------------------------------------------------------
    # The lock is a flock on the entry directory itself: taking it writes nothing (so planning
    # stays free of side effects), and the kernel releases it when the process ends, however.
    def hold(self, entry):
        """Mark the entry as used by this process (a shared flock, released when it exits)."""
        path = os.path.abspath(entry.path)
        if path in _HELD:
            return
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return      # gone: the caller sees that _cm.json is missing
        fcntl.flock(fd, fcntl.LOCK_SH)    # blocks only while a deletion holds it exclusively
        _HELD[path] = fd

    def release(self, entry):
        fd = _HELD.pop(os.path.abspath(entry.path), None)
        if fd is not None:
            os.close(fd)

    def holders(self, entry):
        """[(pid, command)] of the other processes that hold the entry (Linux: /proc/locks)."""
        try:
            st = os.stat(entry.path)
            with open("/proc/locks", encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        out = []
        for line in lines:
            parts = line.split()
            if "->" in parts or len(parts) < 6 or parts[1] != "FLOCK" or parts[5] != want:
                continue
            pid = int(parts[4]) if parts[4].isdigit() else 0
            if pid and pid != os.getpid():
                out.append((pid, _command_of(pid)))
        return sorted(set(out))

    # ---- writing -------------------------------------------------------------
    @contextmanager
    def locked(self, key):
        lock_dir = os.path.join(self.root, LOCKS)
        os.makedirs(lock_dir, exist_ok=True)
        with open(os.path.join(lock_dir, key[:32] + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def start_build(self, key, reuse=None, resume=True):
        """A directory to build an entry in; invisible until commit(). Call with the key locked.

        `reuse` is the entry a `--renew` replaces: the build happens beside it and it is removed
        only once the new entry is committed. Otherwise an unfinished build of the same key (a
        killed or failed run) is resumed, so its partial work (a half-downloaded file) is kept.
        """
        path = self._unfinished(key) if resume and reuse is None else None
        if path is None:
            os.makedirs(self.root, exist_ok=True)
            import uuid
            path = os.path.join(self.root, uuid.uuid4().hex[:16])
            os.makedirs(path)
        marker = {"pid": os.getpid(), "key": key}
        if reuse is not None:
            marker["replaces"] = reuse.path
        write_json(os.path.join(path, BUILDING_FILE), marker)
        return path

    def _unfinished(self, key):
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return None
        for name in names:
            path = os.path.join(self.root, name)
            info = _read_marker(path)
            if info and info.get("key") == key and not os.path.exists(os.path.join(path, META_FILE)) \
                    and not _pid_alive(info.get("pid", 0)):
                return path
        return None

    def commit(self, path, key, tags, state, version="", info=None):
        marker = _read_marker(path) or {}
        write_json(os.path.join(path, STATE_FILE), state, private=True)   # it holds env values
        meta = {"alias": "", "uid": os.path.basename(path), **CACHE_AUTOMATION,
                "tags": _unique(tags), "version": version,
                "cmperf": {"key": key, "created": time.time(), **_without_secrets(info or {})}}
        entry = Entry(path, meta)
        self.hold(entry)
        write_json(os.path.join(path, META_FILE), meta)   # the entry becomes visible here
        os.remove(os.path.join(path, BUILDING_FILE))
        self._entries = None
        replaced = marker.get("replaces")
        if replaced and os.path.abspath(replaced) != os.path.abspath(path):
            old = Entry(replaced, {})
            self.release(old)       # this run switches to the new entry
            try:
                self.delete(old, wait=0)
            except CacheInUse as e:     # another run still uses it; the newest entry wins lookups
                print(f"cmperf: note: the replaced cache entry stays while it is in use: {e}", file=sys.stderr)
        return entry

    def abandon(self, path):
        """Forget a failed build: never visible; the next build of its key resumes in it."""
        self._entries = None

    def delete(self, entry, wait=3.0, force_in_use=False):
        """Remove an entry once no run uses it: wait up to `wait` s, then refuse (CacheInUse)."""
        self.release(entry)     # this process asks for the deletion, so it no longer uses it
        try:
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:
            self._entries = None
            return
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if force_in_use:
                        break
                    if time.monotonic() >= deadline:
                        users = self.holders(entry)
                        who = "; ".join(f"pid {pid}: {cmd}" for pid, cmd in users) or "another process"
                        raise CacheInUse(f"cache entry {entry.path} is in use by {who}",
                                         hint="wait for that run to finish, or add --force_in_use to delete "
                                              "it anyway (the run using it may then fail)") from None
                    time.sleep(0.1)
            # rename first: the entry disappears at once, however long the removal takes
            import shutil
            import uuid
            trash = os.path.join(self.root, f".deleting-{os.path.basename(entry.path)}-{uuid.uuid4().hex[:6]}")
            try:
                os.rename(entry.path, trash)
            except FileNotFoundError:
                trash = None
            if trash:
                shutil.rmtree(trash, ignore_errors=True)
        finally:
            os.close(fd)
        self._entries = None

    def _collect_abandoned(self, path):
        info = _read_marker(path)
        if not info or _pid_alive(info.get("pid", 0)):
            return
        try:
            age = time.time() - os.stat(os.path.join(path, BUILDING_FILE)).st_mtime
        except OSError:
            return
        if age < UNFINISHED_TTL_S:
            return      # kept so the next build of its key can resume it
        lock_path = os.path.join(self.root, LOCKS, str(info.get("key", ""))[:32] + ".lock")
        try:
            with open(lock_path, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
        except OSError:
            return   # a live build of the same key holds it
        import shutil
        shutil.rmtree(path, ignore_errors=True)


def _without_secrets(info):
    """The entry's description with secret values (a token used as an input) replaced by a hash."""
    from .native import is_secret

    def scrub(value, name=""):
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v, name) for v in value]
        if name and is_secret(name) and value not in (None, ""):
            return "sha256:" + sha256_hex(str(value))[:16]
        return value
    return scrub(info)


def _read_marker(path):
    try:
        with open(os.path.join(path, BUILDING_FILE), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    try:
        info = json.loads(text)
        return info if isinstance(info, dict) else None
    except ValueError:
        parts = text.split()    # the format of earlier versions: "<pid> <key>"
        return {"pid": int(parts[0]), "key": parts[1]} if len(parts) == 2 and parts[0].isdigit() else None


def _command_of(pid):
    import shlex
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            words = [w.decode(errors="replace") for w in f.read().split(b"\0") if w]
    except OSError:
        return "?"
    if len(words) > 1 and os.path.basename(words[0]).startswith("python") and words[1].endswith("/cm"):
        words = words[1:]       # `python /venv/bin/cm run ...` reads better as `cm run ...`
    if words:
        words[0] = os.path.basename(words[0])
    return " ".join(shlex.quote(w) for w in words)


def _unique(items):
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def write_json(path, data, **kw):
    """core.atomic.write_json, imported when an entry is written (a warm lookup never writes)."""
    from ..core.atomic import write_json as atomic_write_json
    return atomic_write_json(path, data, **kw)
