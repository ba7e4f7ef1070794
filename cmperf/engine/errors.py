"""Engine exceptions. Each carries the CM return code the adapters report."""
from ..core.errors import CmperfError


class EngineError(CmperfError):
    """A user-facing error: its message says what is wrong and what to do."""

    rc = 1

    def __init__(self, message, *, script=None, tags=None, hint=None):
        self.script = script
        self.tags = tags
        super().__init__(message, hint=hint)

    def __str__(self):
        where = []
        if self.script:
            where.append(f"script {self.script}")
        if self.tags:
            where.append(f"tags {self.tags}")
        text = self.args[0]
        if where:
            text = f"{text} ({', '.join(where)})"
        if self.hint:
            text = f"{text}\n{self.hint}"
        return text


class InputError(EngineError):
    """The request itself is malformed (a flag, a tag string, an input file)."""


class MetaError(EngineError):
    """A script's _cm.yaml / _cm.json is malformed or uses an unknown key."""


class ScriptNotFound(EngineError):
    """No script matches the requested tags, alias or uid."""

    rc = 16


class VariationError(EngineError):
    """Unknown variation, two variations of one group, or an invalid combination."""

    rc = 16


class DependencyCycle(EngineError):
    """Scripts depend on each other in a loop."""


class DependencyPatchError(EngineError):
    """--ad/--add_deps names a dependency the script does not have."""


class VersionError(EngineError):
    """A version constraint cannot be satisfied."""


class HookError(EngineError):
    """customize.py raised, or returned an error."""

    rc = 2


class NativeScriptFailed(EngineError):
    """run.sh exited with a non-zero code."""

    rc = 2

    def __init__(self, message, *, exit_code, command, tail, log_path, **kw):
        self.exit_code = exit_code
        self.command = command
        self.tail = tail
        self.log_path = log_path
        super().__init__(message, **kw)

    def __str__(self):
        tail = "\n".join("    " + line for line in self.tail)
        return (f"{super().__str__()}\n  command: {self.command}\n  exit code: {self.exit_code}\n"
                f"  log: {self.log_path}\n  last {len(self.tail)} lines of output:\n{tail}")


class CacheError(EngineError):
    """The cache store is unusable or an entry is missing."""
