"""The extraction policy: where each archive member really lands, decided before it is written.

A member's name is only safe relative to the links the archive itself has created so far, so
the policy keeps a virtual tree of everything extracted (directories, files, symlinks) and
computes each member's path through it:

- absolute names, drive letters and ``..`` components are refused;
- no member is written through a symlink (a path component, or the member's own name, that
  is a symlink of the archive): that is how ``a -> .``, ``b -> a/a/../..``, ``b/x`` escapes;
- a symlink is resolved through the links before it (and again at the end, through all of
  them, since a later link can change what ``..`` means); one that leaves the target, or
  loops, is refused;
- a hardlink must name a regular file the archive extracted before;
- a name may repeat only as the same kind (file over file, dir over dir);
- devices and FIFOs are dropped (reported), setuid/setgid/sticky and group/other write bits
  are dropped from modes;
- total size and member count are bounded (:class:`Limits`).

This module does no I/O: the writer in :mod:`archive` asks it about each member first.
"""
import dataclasses
import os

from . import PlatformError

GiB = 1 << 30
DEFAULT_MAX_SIZE = 64 * GiB        # ImageNet val is 6.4 GB, KiTS19 ~30 GB: room to spare
DEFAULT_MAX_MEMBERS = 2_000_000    # OpenImages validation ~25k, LibriSpeech ~3k files
MAX_SIZE_ENV, MAX_MEMBERS_ENV = "CM_EXTRACT_MAX_SIZE", "CM_EXTRACT_MAX_MEMBERS"
_MAX_LINK_DEPTH = 40  # as the kernel's ELOOP limit
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": GiB, "gb": GiB, "gib": GiB, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}

FILE, DIR, SYMLINK, HARDLINK, SPECIAL = "file", "dir", "symlink", "hardlink", "special"


class ArchiveError(PlatformError):
    """The archive is unreadable, of an unknown kind, or the target is in the way."""


class UnsafeArchiveError(ArchiveError):
    def __init__(self, archive, problems):
        self.problems = problems
        shown = "\n  ".join(problems[:20]) + ("\n  ..." if len(problems) > 20 else "")
        super().__init__(f"refusing to extract {archive}: {len(problems)} unsafe member(s):\n  {shown}\n"
                         f"nothing was extracted")


class ArchiveTooLargeError(ArchiveError):
    """More bytes or members than the limit (a zip bomb, or a limit to raise)."""


def parse_size(text):
    """'64G', '500MiB', '1024' -> bytes."""
    s = str(text).strip().lower().replace(" ", "")
    num = s.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = s[len(num):]
    try:
        value = float(num)
    except ValueError:
        value = -1
    if unit not in _UNITS or value < 0:
        raise ValueError(f"invalid size {text!r}: use bytes or a number with K, M, G or T (e.g. 64G)")
    return int(value * _UNITS[unit])


def human(n):
    for scale, name in ((1 << 40, "TiB"), (GiB, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= scale:
            return f"{n / scale:.1f} {name}"
    return f"{n} B"


@dataclasses.dataclass(frozen=True)
class Limits:
    max_size: int = DEFAULT_MAX_SIZE
    max_members: int = DEFAULT_MAX_MEMBERS

    @classmethod
    def from_env(cls, env=None, max_size=None, max_members=None):
        """Explicit values, else CM_EXTRACT_MAX_SIZE / CM_EXTRACT_MAX_MEMBERS, else the defaults."""
        env = os.environ if env is None else env
        size = max_size if max_size not in (None, "") else env.get(MAX_SIZE_ENV) or DEFAULT_MAX_SIZE
        count = max_members if max_members not in (None, "") else env.get(MAX_MEMBERS_ENV) or DEFAULT_MAX_MEMBERS
        try:
            count = int(count)
        except ValueError:
            raise ValueError(f"invalid member count {count!r} (--extract_max_members / {MAX_MEMBERS_ENV})") from None
        return cls(parse_size(size), count)


@dataclasses.dataclass
class Member:
    """One archive entry, independent of tar/zip."""
    name: str
    kind: str                # FILE | DIR | SYMLINK | HARDLINK | SPECIAL
    size: int = 0
    mode: int = 0o644
    linkname: str = ""
    mtime: float = None
    path: str = ""           # set by the policy: the normalized relative path, "/"-separated


def safe_mode(mode, kind):
    """Permission bits only (no setuid/setgid/sticky, no group/other write), owner may use it."""
    base = mode & 0o755
    return base | (0o700 if kind == DIR else 0o600)


def split_name(name):
    """Components of a member name, or raise ValueError saying why it is unsafe."""
    norm = name.replace("\\", "/")  # a Windows-made archive, or one meant to fool Windows
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise ValueError("absolute path")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError("'..' in path")
    return parts


class Policy:
    """Feed members in archive order to :meth:`admit`; call :meth:`finish` at the end."""

    def __init__(self, archive, limits=None):
        self.archive = archive
        self.limits = limits or Limits()
        self.tree = {(): DIR}   # tuple of components -> kind; links -> ("symlink", target)
        self.links = {}         # tuple -> link text
        self.size = self.count = 0
        self.skipped = []

    def _fail(self, member, why):
        raise UnsafeArchiveError(self.archive, [f"{member.name}: {why}"])

    def _budget(self, size, count):
        self.size += size
        self.count += count
        lim = self.limits
        if self.count > lim.max_members:
            raise ArchiveTooLargeError(
                f"refusing to extract {self.archive}: more than {lim.max_members} members; if that is expected, "
                f"raise the limit with --extract_max_members=N (or {MAX_MEMBERS_ENV}); nothing was extracted")
        if self.size > lim.max_size:
            self.refuse_size()

    def refuse_size(self):
        lim = self.limits
        raise ArchiveTooLargeError(
                f"refusing to extract {self.archive}: it expands to more than {human(lim.max_size)} "
                f"(a zip bomb, or a bigger dataset than the limit); if that is expected, raise it with "
                f"--extract_max_size=SIZE (or {MAX_SIZE_ENV}, e.g. 200G); nothing was extracted")

    def check_totals(self, size, count):
        """Declared totals known up front (zip's central directory): refuse before writing."""
        self._budget(size, count)
        self.size = self.count = 0

    def resolve(self, start, target, depth=0):
        """Components of ``target`` (a link's text) seen from directory ``start``, through the links
        of the tree; None when it leaves the target directory (or loops)."""
        if target.startswith("/") or target.replace("\\", "/").startswith("/") or (len(target) > 1 and target[1] == ":"):
            return None
        here = list(start)
        for part in target.replace("\\", "/").split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not here:
                    return None
                here.pop()
                continue
            here.append(part)
            key = tuple(here)
            if key in self.links:
                if depth >= _MAX_LINK_DEPTH:
                    return None
                resolved = self.resolve(key[:-1], self.links[key], depth + 1)
                if resolved is None:
                    return None
                here = list(resolved)
        return tuple(here)

    def admit(self, m):
        """Decide about member ``m``: returns False to drop it (devices, FIFOs), True to write it
        at ``m.path``; raises UnsafeArchiveError / ArchiveTooLargeError to refuse the archive."""
        try:
            parts = split_name(m.name)
        except ValueError as e:
            self._fail(m, str(e))
        if m.kind == SPECIAL:
            self.skipped.append(m.name)
            return False
        if not parts:
            if m.kind == DIR:
                return False  # "./": the target itself
            self._fail(m, "empty name")
        key = tuple(parts)
        for i in range(1, len(parts)):
            kind = self.tree.get(key[:i])
            if kind == SYMLINK:
                self._fail(m, f"path goes through the archive's symlink {'/'.join(key[:i])} "
                              f"(-> {self.links[key[:i]]}); writing through links is refused")
            if kind is not None and kind != DIR:
                self._fail(m, f"path goes through {'/'.join(key[:i])}, which is a {kind}")
        existing = self.tree.get(key)
        if existing == SYMLINK:
            self._fail(m, f"replaces the archive's symlink {'/'.join(key)} (-> {self.links[key]}); "
                          "writing through links is refused")
        kind = FILE if m.kind == HARDLINK else m.kind
        if existing is not None and not (existing == kind and kind in (FILE, DIR)):
            self._fail(m, f"repeats {'/'.join(key)} as a {m.kind} (it was a {existing})")
        if m.kind == SYMLINK:
            if self.resolve(key[:-1], m.linkname) is None:
                self._fail(m, f"symlink to {m.linkname} points outside the target (or loops)")
            self.links[key] = m.linkname
        elif m.kind == HARDLINK:
            try:
                tparts = tuple(split_name(m.linkname))
            except ValueError:
                tparts = None
            if tparts is None or self.tree.get(tparts) != FILE or any(
                    self.tree.get(tparts[:i]) != DIR for i in range(1, len(tparts))):
                self._fail(m, f"hardlink to {m.linkname}, which is not a regular file extracted before "
                              "(outside the target, a link, or missing)")
            m.linkname = "/".join(tparts)
        for i in range(1, len(parts)):
            self.tree.setdefault(key[:i], DIR)
        self.tree[key] = SYMLINK if m.kind == SYMLINK else kind
        m.path = "/".join(parts)
        self._budget(m.size if m.kind == FILE else 0, 1)
        return True

    def finish(self):
        """Re-resolve every link through the final tree: a later link may change an earlier one's ``..``."""
        bad = [f"{'/'.join(k)}: symlink to {t} points outside the target (through the archive's other links)"
               for k, t in self.links.items() if self.resolve(k[:-1], t) is None]
        if bad:
            raise UnsafeArchiveError(self.archive, bad)
