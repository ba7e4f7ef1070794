"""Property: whatever the member list (links, '..', duplicates, absolute names), extraction
writes nothing outside the target, and a refused archive leaves nothing at all.

Checked on the real filesystem, for tar and zip, with and without the stdlib tar filter.
Example counts are small so the whole file costs a few seconds.
"""
import os
import stat
import tarfile
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmperf.platform import archive
from test_archive_policy import make_tar, make_zip

PARTS = st.sampled_from(["a", "b", "c", "..", ".", "outside.txt", "x"])
NAMES = st.one_of(
    st.lists(PARTS, min_size=1, max_size=4).map("/".join),
    st.sampled_from(["/tmp/cmperf-prop-abs", "../outside.txt", "a/../..", "./a", "a/"]),
)
LINK_TARGETS = st.one_of(st.lists(PARTS, min_size=1, max_size=5).map("/".join),
                         st.sampled_from([".", "..", "/", "/etc", "../outside.txt"]))
MEMBER = st.one_of(
    st.tuples(NAMES, st.just("file"), st.binary(max_size=8)),
    st.tuples(NAMES, st.just("dir"), st.none()),
    st.tuples(NAMES, st.just("sym"), LINK_TARGETS),
)
TAR_MEMBER = st.one_of(MEMBER, st.tuples(NAMES, st.just("hard"), NAMES))
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _state(root):
    """Every path under root with its kind, size and (for links) text; links are not followed."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            st_ = os.lstat(p)
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st_.st_mode), st_.st_size,
                                             os.readlink(p) if os.path.islink(p) else None)
    return out


def _check(fmt, members, no_filter):
    with tempfile.TemporaryDirectory() as tmp:
        box = os.path.join(tmp, "box")
        os.makedirs(os.path.join(box, "work"))
        with open(os.path.join(box, "outside.txt"), "w") as f:
            f.write("outside")
        arc = os.path.join(tmp, f"a.{fmt}")
        (make_tar if fmt == "tar" else make_zip)(arc, members)
        before = _state(box)
        target = os.path.join(box, "work", "out")
        saved = getattr(tarfile, "data_filter", None)
        if no_filter and saved is not None:
            del tarfile.data_filter
        try:
            archive.extract(arc, target)
            ok = True
        except archive.ArchiveError:
            ok = False
        finally:
            if no_filter and saved is not None:
                tarfile.data_filter = saved
        after = _state(box)
        assert not os.path.lexists("/tmp/cmperf-prop-abs")
        outside_after = {k: v for k, v in after.items() if not k.startswith(os.path.join("work", "out"))}
        if ok:  # only the target (and its record next to it) are new; everything in it stays inside
            extra = set(outside_after) - set(before) - {os.path.join("work", ".out.cmperf-extract.json")}
            assert not extra and all(outside_after[k] == before[k] for k in before)
            real_target = os.path.realpath(target)
            for d, dirs, files in os.walk(target):
                for n in dirs + files:
                    p = os.path.join(d, n)
                    if os.path.islink(p):
                        resolved = os.path.realpath(p)
                        assert resolved == real_target or resolved.startswith(real_target + os.sep), (p, resolved)
        else:
            assert after == before  # refused: no target, no staging, nothing touched


@pytest.mark.parametrize("no_filter", [False, True], ids=["stdlib-filter", "no-stdlib-filter"])
@SETTINGS
@given(members=st.lists(TAR_MEMBER, min_size=1, max_size=6))
def test_tar_never_writes_outside(no_filter, members):
    _check("tar", members, no_filter)


@SETTINGS
@given(members=st.lists(MEMBER, min_size=1, max_size=6))
def test_zip_never_writes_outside(members):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we generate
        _check("zip", members, True)
