"""Turn a CM input dict (`cm run script ...`) into a RunRequest."""
import copy
import os
import re

from ..core.truth import is_true
from .errors import InputError
from .variations import parse_requested

# Inputs that upstream CM turns into env keys for every script.
INPUT_TO_ENV = {"input": "CM_INPUT", "output": "CM_OUTPUT", "outdirname": "CM_OUTDIRNAME",
                "outbasename": "CM_OUTBASENAME", "name": "CM_NAME",
                "extra_cache_tags": "CM_EXTRA_CACHE_TAGS", "skip_compile": "CM_SKIP_COMPILE",
                "skip_run": "CM_SKIP_RUN", "accept_license": "CM_ACCEPT_LICENSE",
                "skip_system_deps": "CM_SKIP_SYSTEM_DEPS", "git_ssh": "CM_GIT_SSH",
                "gh_token": "CM_GH_TOKEN", "path": "CM_TMP_PATH", "skip_sys_utils": "CM_SKIP_SYS_UTILS",
                "skip_sudo": "CM_TMP_SKIP_SUDO", "quiet": "CM_QUIET", "v": "CM_VERBOSE",
                "verbose": "CM_VERBOSE", "s": "CM_TMP_SILENT", "silent": "CM_TMP_SILENT"}
VERSION_KEYS = {"version": "CM_VERSION", "version_min": "CM_VERSION_MIN",
                "version_max": "CM_VERSION_MAX", "version_max_usable": "CM_VERSION_MAX_USABLE"}
PROXY_VARS = ("GH_TOKEN", "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "socks_proxy")


class Flags:
    """The run's switches (a plain class: see variations.Resolved)."""

    def __init__(self, quiet=False, verbose=False, silent=False, fake_run=False, plan=False, print_deps=False,
                 print_env=False, new=False, renew=False, skip_cache=False, force_cache=False, dirty=False,
                 ignore_script_error=False):
        self.quiet = quiet
        self.verbose = verbose
        self.silent = silent
        self.fake_run = fake_run        # upstream's meaning: run the `deps` list, then stop
        self.plan = plan                # --plan / --dry-run: show the plan, run nothing
        self.print_deps = print_deps
        self.print_env = print_env
        self.new = new
        self.renew = renew
        self.skip_cache = skip_cache
        self.force_cache = force_cache
        self.dirty = dirty
        self.ignore_script_error = ignore_script_error

    @classmethod
    def from_input(cls, i):
        def on(*names):
            return any(is_true(i.get(n)) for n in names)
        return cls(quiet=on("quiet"), verbose=on("v", "verbose"), silent=on("s", "silent"),
                   fake_run=on("fake_run", "prepare"), plan=on("plan", "dry_run"), print_deps=on("print_deps"),
                   print_env=on("print_env"), new=on("new"), renew=on("renew"),
                   skip_cache=on("skip_cache"), force_cache=on("force_cache"), dirty=on("dirty"),
                   ignore_script_error=on("ignore_script_error"))

    def for_dependency(self):
        """What a dependency inherits: output and prompting style, never cache overrides."""
        return Flags(quiet=self.quiet, verbose=self.verbose, silent=self.silent)


class RunRequest:
    """One script request, empty until filled in by from_words/parse_input (a plain class: see
    variations.Resolved)."""

    def __init__(self):
        self.tags = []
        self.excluded_tags = []
        self.variations = []
        self.excluded_variations = []
        self.name = ""
        self.env = {}
        self.const = {}
        self.state = {}
        self.const_state = {}
        self.add_deps = {}
        self.add_deps_recursive = {}
        self.versions = {}              # version, version_min, version_max, version_max_usable
        self.inputs = {}
        self.flags = Flags()
        self.force_new_env_keys = []

    @property
    def tag_string(self):
        return ",".join(self.tags + ["-" + t for t in self.excluded_tags] +
                        ["_" + v for v in self.variations] + ["-_" + v for v in self.excluded_variations])


def split_tags(*texts):
    words = []
    for text in texts:
        if isinstance(text, list):
            text = ",".join(text)
        for word in re.split(r"[,\s]+", text or ""):
            if word:
                words.append(word)
    return words


def from_words(words):
    """Classify tag words: script tags, -excluded tags, _variations, -_excluded variations."""
    req = RunRequest()
    req.variations, req.excluded_variations = parse_requested(
        [w for w in words if w.startswith(("_", "-_"))])
    for w in words:
        if w.startswith(("_", "-_")):
            continue
        (req.excluded_tags if w.startswith("-") else req.tags).append(w.lstrip("-"))
    return req


def parse_input(i):
    """A RunRequest from a cmind input dict; raises InputError on malformed values."""
    i = copy.deepcopy(i)
    extra = os.environ.get("CM_SCRIPT_EXTRA_CMD", "").strip()
    if extra and not i.get("_recursive"):
        import cmind.cli
        r = cmind.cli.parse(extra)
        if r["return"] > 0:
            raise InputError(f"CM_SCRIPT_EXTRA_CMD cannot be parsed: {r['error']}")
        for key, value in r["cm_input"].items():
            i.setdefault(key, value)

    words, name = split_tags(i.get("tags", "")), ""
    artifact = (i.get("artifact") or "").strip()
    if artifact and artifact != ".":
        if re.search(r"[\s,]", artifact) or artifact.startswith(("_", "-")):
            words += split_tags(artifact)
        else:
            name = artifact
    for extra_artifact in i.get("artifacts", []) or []:
        words += split_tags(extra_artifact)
    req = from_words(words)
    req.name = name
    for key in ("env", "const", "state", "const_state", "add_deps", "add_deps_recursive"):
        value = i.get(key, {}) or {}
        if not isinstance(value, dict):
            raise InputError(f"--{key} must be given as --{key}.KEY=VALUE, got {value!r}")
        setattr(req, key, value)
    req.add_deps.update(i.get("ad", {}) or {})
    for name_, patch in (i.get("adr", {}) or {}).items():
        req.add_deps_recursive.setdefault(name_, {}).update(patch)
    renamed = i.get("add_deps_tags", {}) or {}      # v2.1-era CM's name of --adr.NAME.tags=TAGS
    if not isinstance(renamed, dict):
        raise InputError(f"--add_deps_tags must be given as --add_deps_tags.NAME=TAGS, got {renamed!r}")
    for name_, tags in renamed.items():
        patch = req.add_deps_recursive.setdefault(name_, {})
        patch["tags"] = ",".join(t for t in (patch.get("tags"), str(tags)) if t)
    req.versions = {k: str(i[k]) for k in VERSION_KEYS if i.get(k) not in (None, "", True)}
    req.flags = Flags.from_input(i)
    req.force_new_env_keys = i.get("force_new_env_keys", []) or []
    req.inputs = i
    inputs_to_env(i, req.env)
    if not i.get("_recursive"):
        for var in PROXY_VARS:
            if os.environ.get(var) and var not in req.env:
                req.env[var] = os.environ[var]
    return req


def inputs_to_env(inputs, env):
    """Set the CM_* keys upstream CM derives from run inputs (--name, --path, ...) unless env has them."""
    for key, env_key in INPUT_TO_ENV.items():
        if key in inputs and inputs[key] not in (None, False):
            env.setdefault(env_key, "yes" if inputs[key] is True else str(inputs[key]))
