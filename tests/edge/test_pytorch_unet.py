"""3D-UNet on --backend=pytorch: the official TorchScript form (3dunet_kits19_pytorch.ptc, loaded by
the reference pytorch_SUT.py with torch.jit.load) through the sliding window, on a stand-in with the
official [N,1,128,128,128] -> [N,3,128,128,128] convention and the ONNX stand-in's per-voxel logits."""
import os

import numpy as np
import pytest

from tests.mlscripts.conftest import md5

from . import standins

torch = pytest.importorskip("torch")


class _Unet(torch.nn.Module):
    """The logits of standins.unet_standin: (0, x - 0.5, 2x - 3) per voxel."""

    def forward(self, x):
        return torch.cat([x * 0.0, x - 0.5, 2.0 * x - 3.0], dim=1)


def unet_torchscript(path):
    torch.jit.script(_Unet()).save(str(path))
    return str(path)


def test_torchscript_and_onnx_standins_segment_alike(tmp_path):
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.kits19.sliding_window import SlidingWindow

    pt = SlidingWindow(get_backend("pytorch", threads=1).load(unet_torchscript(tmp_path / "u.ptc"), "input", "output"))
    ox = SlidingWindow(get_backend("onnxruntime", threads=1).load(
        standins.unet_standin(str(tmp_path / "u.onnx")), "input", "output"))
    vol = np.full((1, 1, 192, 128, 128), -1.0, np.float32)
    vol[..., 60:130, 10:20, 10:20] = 1.0      # kidney across the two windows' overlap
    vol[..., 0:5, 0:5, 0:5] = 2.6             # tumor
    seg = pt.predict(vol)
    assert pt.subvolumes == 2 and seg.dtype == np.uint8
    assert int((seg == 1).sum()) == 70 * 100 and int((seg == 2).sum()) == 125
    assert np.array_equal(seg, ox.predict(vol))
    assert pt.describe()["backend"] == "pytorch"


def test_pytorch_refuses_a_file_that_is_not_a_model(tmp_path):
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.errors import ModelFileError

    (tmp_path / "x.ptc").write_bytes(b"not a torchscript archive")
    with pytest.raises(ModelFileError, match="x.ptc"):
        get_backend("pytorch").load(str(tmp_path / "x.ptc"), "input", "output")


def test_3d_unet_on_pytorch_every_edge_scenario_through_cm(cm, server, tmp_path):
    standins.kits19_raw(str(tmp_path / "kits19" / "data"))
    model = unet_torchscript(server.dir / "3dunet_kits19_pytorch.ptc")
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=3d-unet-99", "--backend=pytorch",
                        "--scenario=SingleStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=2", "--threads=1", "--offline_target_qps=1000", "-j",
                        f"--adr.ml-model.url={server.url('3dunet_kits19_pytorch.ptc')}",
                        f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(model)}",
                        f"--kits19_path={tmp_path / 'kits19'}",
                        "--env.CM_DATASET_KITS19_CASES=case_00000")   # one 128^3 volume keeps it fast
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 4 and len(acc) == 2
    for r in acc:   # as the ONNX run: kidney exact (1), tumor on half its truth (2/3) -> 5/6
        assert r["accuracy_metric"] == "DICE" and r["accuracy"] == pytest.approx(5 / 6, abs=1e-6)
        first = open(os.path.join(r["dir"], "accuracy.txt")).read().splitlines()[0]
        assert first == "Accuracy: mean = 0.83333, kidney = 1.0000, tumor = 0.6667"
        assert "/pytorch" in r["dir"] or "-pytorch" in r["dir"], r["dir"]


def test_3d_unet_plans_the_torchscript_file(cm):
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=3d-unet-99.9", "--backend=pytorch", "--plan", "-j")
    assert rc == 0, text[-3000:]
    assert "https://zenodo.org/record/5597155/files/3dunet_kits19_pytorch.ptc" in text
    assert "md5:2251109371f408c9f10a4320ffdcaef8" in text
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=3d-unet-99", "--backend=pytorch",
                     "--precision=int8", "--plan")
    assert rc != 0 and "precision for 3d-unet-99 on pytorch 'int8'; choices: fp32" in text
