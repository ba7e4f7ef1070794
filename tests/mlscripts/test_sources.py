"""cmperf.mlperf.sources directly: the cases that are awkward to reach through cm."""
import io
import os
import tarfile

import pytest

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError, MlperfError, ModelFileError


def test_local_copy_checks_existence_and_md5(tmp_path):
    f = tmp_path / "m.bin"
    with pytest.raises(ModelFileError, match=r"--model_path=.*m\.bin: no such file .*md5 0{32}"):
        sources.local_copy(str(f), "0" * 32, "X", "--model_path")
    f.write_bytes(b"abc")
    assert sources.local_copy(str(f), "900150983CD24FB0D6963F7D28E17F72", "X", "--model_path") == str(f)
    with pytest.raises(DatasetError, match="is not the official X: md5 900150983cd24fb0d6963f7d28e17f72"):
        sources.local_copy(str(f), "1" * 32, "X", "--from", DatasetError)
    assert sources.local_copy(str(f), None, "X", "--model_path") == str(f)   # no official md5: any file


def test_tar_that_escapes_is_rejected_and_leaves_nothing(tmp_path):
    tar = tmp_path / "evil.tar"
    with tarfile.open(tar, "w") as t:
        for name in ("ok.JPEG", "../escaped.JPEG"):
            info = tarfile.TarInfo(name)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
    out = tmp_path / "work" / "imagenet-val"
    with pytest.raises(DatasetError, match="cannot extract"):
        sources.extract_tar(str(tar), str(out))
    assert not out.exists() and not (tmp_path / "work" / "escaped.JPEG").exists()
    assert os.listdir(tmp_path / "work") == []


def test_find_image_dir_takes_the_shallowest(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.JPEG").write_bytes(b"")
    (tmp_path / "a" / "b" / "c").mkdir()
    (tmp_path / "a" / "b" / "c" / "y.jpg").write_bytes(b"")
    assert sources.find_image_dir(str(tmp_path)) == str(tmp_path / "a" / "b")
    with pytest.raises(DatasetError, match="no images"):
        sources.find_image_dir(str(tmp_path / "a" / "b" / "c" / "none"))


def test_inference_git_ref_precedence():
    assert sources.inference_git_ref({}) == {"CM_MLPERF_INFERENCE_GIT_CHECKOUT_BRANCH": "master"}
    assert sources.inference_git_ref({"CM_MLPERF_INFERENCE_VERSION_TAG": "v4.1"}) == \
        {"CM_MLPERF_INFERENCE_GIT_CHECKOUT_TAG": "v4.1"}
    assert sources.inference_git_ref({"CM_MLPERF_INFERENCE_VERSION_TAG": "v4.1",
                                      "CM_MLPERF_INFERENCE_GIT_BRANCH": "dev"}) == \
        {"CM_MLPERF_INFERENCE_GIT_CHECKOUT_BRANCH": "dev"}
    assert sources.inference_git_ref({"CM_MLPERF_INFERENCE_GIT_BRANCH": "dev",
                                      "CM_MLPERF_INFERENCE_GIT_SHA": "abc123"}) == \
        {"CM_MLPERF_INFERENCE_GIT_CHECKOUT_SHA": "abc123"}


def test_explicit_labels_are_never_replaced_by_a_fallback(tmp_path):
    (tmp_path / "mlperf_log_accuracy.json").write_text("[]")
    data = tmp_path / "data"
    data.mkdir()
    (data / "labels.npy").write_bytes(b"")
    env = {"CM_DATASET_PREPROCESSED_PATH": str(data), "CM_MLPERF_ACCURACY_LABELS": str(tmp_path / "typo.npy")}
    with pytest.raises(DatasetError, match="--labels=.*typo.npy does not exist"):
        sources.accuracy_command("imagenet", str(tmp_path), env, str(tmp_path / "accuracy.txt"))
    del env["CM_MLPERF_ACCURACY_LABELS"]
    argv = sources.accuracy_command("imagenet", str(tmp_path), env, str(tmp_path / "accuracy.txt"))
    assert argv[argv.index("--labels") + 1] == str(data / "labels.npy")
    assert argv[argv.index("--dtype") + 1] == "float32"     # no run.json: upstream's default


def test_an_accuracy_dataset_without_a_scorer_is_named(tmp_path):
    (tmp_path / sources.ACCURACY_LOG).write_text("[]")
    with pytest.raises(MlperfError, match="accuracy script not implemented yet for criteo; cmperf computes "
                                          "accuracy for _imagenet"):
        sources.accuracy_command("criteo", str(tmp_path), {}, str(tmp_path / "accuracy.txt"))
