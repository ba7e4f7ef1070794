"""A step's files come back from a Ray node as a tar.gz: unpacked through cmperf's extraction policy."""
import io
import os
import tarfile

import pytest

pytest.importorskip("ray")
from cmperf.experiment import ray_executor, runner  # noqa: E402
from cmperf.experiment.runner import ExperimentError  # noqa: E402


def _targz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
    return buf.getvalue()


def test_step_files_land_in_the_step_dir_and_the_drivers_files_win(tmp_path):
    step = tmp_path / "step-1"
    step.mkdir()
    (step / runner.INPUT_FILE).write_text('{"driver": true}')
    ray_executor.unpack(_targz([("results/perf.txt", "file", b"42"),
                                (runner.INPUT_FILE, "file", b'{"node": true}')]), str(step))
    assert (step / "results" / "perf.txt").read_text() == "42"
    assert (step / runner.INPUT_FILE).read_text() == '{"driver": true}'
    assert sorted(os.listdir(step)) == [runner.INPUT_FILE, "results"]


def test_a_link_chain_out_of_the_step_dir_is_refused(tmp_path):
    step = tmp_path / "area" / "step-1"
    step.mkdir(parents=True)
    data = _targz([("a", "link", "."), ("b", "link", "a/a/../.."), ("b/escaped.txt", "file", b"x")])
    with pytest.raises(ExperimentError, match="refused"):
        ray_executor.unpack(data, str(step))
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "area" / "escaped.txt").exists()
    assert os.listdir(step) == []
