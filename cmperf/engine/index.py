"""Find scripts by tags, alias or uid across the registered CM repositories.

The parsed metas are kept in `$CM_REPOS/cmperf/script-index.json` and refreshed for the
scripts whose meta file changed, so a warm `cm run script` parses no YAML at all. Each meta is
stored there as JSON text beside its tags and decoded only for the scripts a request looks at
(decoding all of them was about half of the index's load on a warm run).
"""
import json
import os
import re
import stat
import sys

from ..core.home import cm_home
from .errors import InputError, MetaError, ScriptNotFound

INDEX_VERSION = 4


def registered_repos(home=None):
    """Paths of the CM repositories cmind knows about (repos.json), then the local one."""
    home = home or cm_home()
    try:
        with open(os.path.join(home, "repos.json"), encoding="utf-8") as f:
            paths = [p for p in json.load(f) if os.path.isdir(p)]
    except FileNotFoundError:
        paths = []
    local = local_repo(home)
    return paths + ([local] if os.path.isdir(local) and local not in paths else [])


def local_repo(home=None):
    return os.path.join(home or cm_home(), "repos", "local")


class Script:
    """A script found in a repository (a plain class: see variations.Resolved)."""

    def __init__(self, path, meta, repo="", tags=None):
        self.path = path
        self._meta = meta           # the meta, or its JSON text (from the index): decoded when first used
        self.repo = repo
        self._tags = tags

    @property
    def meta(self):
        if isinstance(self._meta, str):
            self._meta = json.loads(self._meta)
        return self._meta

    @property
    def alias(self):
        return self.meta.get("alias") or os.path.basename(self.path)

    @property
    def uid(self):
        return self.meta.get("uid", "")

    @property
    def tags(self):
        return self.meta.get("tags", []) if self._tags is None else self._tags

    @property
    def sort(self):
        return self.meta.get("sort", 0)

    def __repr__(self):
        return f"Script({self.alias})"


class ScriptIndex:
    """The scripts of the registered repositories (a plain class: see variations.Resolved)."""

    def __init__(self, scripts, broken=None, broken_ids=None):
        self.scripts = scripts
        self.broken = {} if broken is None else broken     # meta file -> error message
        # meta file -> what a lenient read of the broken file says (alias, uid, tags), so an error in
        # the script a request meant is reported, not hidden behind "no script matches"
        self.broken_ids = {} if broken_ids is None else broken_ids
        self._warned = False

    @classmethod
    def load(cls, repos=None, home=None):
        home = home or cm_home()
        repos = registered_repos(home) if repos is None else repos
        cache_file = os.path.join(home, "cmperf", "script-index.json")
        old = _read_index(cache_file)
        entries, changed = {}, False
        for repo in repos:
            for script_dir in _script_dirs(repo):
                meta_file, st = _meta_file(script_dir)
                if meta_file is None:
                    continue
                stamp = [st.st_mtime_ns, st.st_size]
                prev = old.get(meta_file)
                if prev is None or prev["stamp"] != stamp:
                    changed = True
                    prev = _parse_entry(meta_file, stamp, script_dir, repo)
                entries[meta_file] = prev
        if changed or set(entries) != set(old):
            _write_index(cache_file, entries)
        scripts = [Script(e["path"], e["meta"], e["repo"], e["tags"]) for e in entries.values() if "meta" in e]
        broken = {f: e["error"] for f, e in entries.items() if "error" in e}
        ids = {f: e.get("ids", {}) for f, e in entries.items() if "error" in e}
        return cls(scripts, broken, ids)

    def by_alias_or_uid(self, name):
        return [s for s in self.scripts if name in (s.alias, s.uid)]

    def by_tags(self, tags, excluded=()):
        wanted, unwanted = set(tags), set(excluded)
        return [s for s in self.scripts
                if wanted.issubset(s.tags) and not unwanted.intersection(s.tags)]

    def find(self, tags=(), excluded=(), name=None):
        """All scripts matching the request; raises ScriptNotFound with the closest ones."""
        if not tags and not name and not excluded:
            raise InputError("no script given: the request has no tags, alias or uid",
                             hint="name the script by its tags, e.g. `cm run script --tags=detect,os` "
                                  "(the flag is --tags, plural) or by its alias; `cm find script` lists them")
        found = self.by_alias_or_uid(name) if name else self.scripts
        if name and not found:
            self._raise_broken(lambda f, ids: name in (os.path.basename(os.path.dirname(f)),
                                                       ids.get("alias"), ids.get("uid")))
            raise ScriptNotFound(f"no script has the alias or uid '{name}'",
                                 hint=self.closest_hint(tags, name))
        found = [s for s in found if set(tags).issubset(s.tags) and not set(excluded) & set(s.tags)]
        if not found:
            self._raise_broken(lambda f, ids: set(tags).issubset(ids.get("tags") or ()) or set(tags).issubset(
                os.path.basename(os.path.dirname(f)).split("-")) or set(tags) <= {ids.get("alias")})
            raise ScriptNotFound("no script matches all the tags", tags=",".join(tags),
                                 hint=self.closest_hint(tags, name))
        self.warn_broken()
        return found

    def closest_hint(self, tags, name=None, limit=5):
        def score(s):
            overlap = len(set(tags) & set(s.tags))
            return (overlap, -len(set(s.tags) - set(tags)))
        ranked = sorted(self.scripts, key=score, reverse=True)
        ranked = [s for s in ranked if set(tags) & set(s.tags)][:limit]
        if not ranked:
            return "no script shares any of these tags; `cm find script` lists them all"
        lines = [f"  {s.alias}: --tags={','.join(s.tags)}" for s in ranked]
        return "closest scripts:\n" + "\n".join(lines)

    def _raise_broken(self, matches):
        for meta_file, error in self.broken.items():
            if matches(meta_file, self.broken_ids.get(meta_file) or {}):
                raise MetaError(error)

    def warn_broken(self):
        if self._warned:
            return
        self._warned = True
        for error in self.broken.values():
            print(f"cmperf: warning: ignoring a script with broken metadata: {error}", file=sys.stderr)


def _meta_file(script_dir):
    """(path, os.stat) of the script's _cm.yaml, else its _cm.json, else (None, None): one stat
    per name tried, as the index checks every script on every run."""
    for name in ("_cm.yaml", "_cm.json"):
        path = os.path.join(script_dir, name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return path, st
    return None, None


def _script_dirs(repo):
    prefix = _repo_prefix(repo)
    root = os.path.join(repo, prefix, "script") if prefix else os.path.join(repo, "script")
    try:
        names = sorted(os.listdir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [os.path.join(root, n) for n in names if not n.startswith(".")]


def _repo_prefix(repo):
    cmr = os.path.join(repo, "cmr.yaml")
    try:
        with open(cmr, encoding="utf-8") as f:
            for line in f:
                if line.startswith("prefix:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return ""


def _parse_entry(meta_file, stamp, script_dir, repo):
    from .meta import load_meta   # parsing and validating: only for a changed meta file
    entry = {"stamp": stamp, "path": script_dir, "repo": repo}
    try:
        meta = load_meta(meta_file)
        entry["meta"], entry["tags"] = json.dumps(meta), meta.get("tags", [])
    except MetaError as e:
        entry["error"] = str(e)
        entry["ids"] = _lenient_ids(meta_file)
    return entry


def _lenient_ids(meta_file):
    """alias/uid/tags of a meta file that failed validation, read as leniently as possible."""
    try:
        with open(meta_file, encoding="utf-8") as f:
            text = f.read(1 << 20)
    except OSError:
        return {}
    try:
        import yaml
        data = yaml.safe_load(text)
        if isinstance(data, dict):
            tags = data.get("tags")
            tags = tags.split(",") if isinstance(tags, str) else tags if isinstance(tags, list) else []
            return {"alias": str(data.get("alias") or ""), "uid": str(data.get("uid") or ""),
                    "tags": [str(t).strip() for t in tags]}
    except Exception:   # noqa: BLE001 - any parse failure: fall back to reading lines
        pass
    ids = {}
    for key in ("alias", "uid", "tags"):
        m = re.search(rf"^[\"']?{key}[\"']?[ \t]*:[ \t]*(.*)$", text, re.M)
        if not m:
            continue
        value = m.group(1).strip().rstrip(",").strip("\"'")
        if key != "tags":
            ids[key] = value
            continue
        if not value:   # a block list: the "- word" lines that follow
            rest = text[m.end():].splitlines()[1:]
            words = []
            for line in rest:
                item = re.match(r"^\s*-\s*(.+)$", line)
                if not item:
                    break
                words.append(item.group(1).strip().strip("\"'"))
            ids[key] = words
        else:
            ids[key] = [w.strip().strip("\"'") for w in re.split(r"[,\[\]]", value) if w.strip().strip("\"'")]
    return ids


def _read_index(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data.get("entries", {}) if data.get("version") == INDEX_VERSION else {}


def _write_index(path, entries):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"version": INDEX_VERSION, "entries": entries}, f)
    os.replace(tmp, path)
