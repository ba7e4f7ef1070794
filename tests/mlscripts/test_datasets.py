"""get-dataset-* and the preprocessed ImageNet/SQuAD scripts against small stand-in files."""
import io
import json
import os
import subprocess
import tarfile
import zipfile

import numpy as np

from .conftest import loadgen_accuracy_run, md5, serve_squad


def _tar(path, files, mode="w"):
    with tarfile.open(path, mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def _jpegs(n):
    """Random JPEGs named like ImageNet's (Pillow comes with matplotlib, a base dependency)."""
    from PIL import Image
    rng = np.random.default_rng(1)
    out = {}
    for k in range(1, n + 1):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(buf, format="JPEG")
        out[f"ILSVRC2012_val_{k:08d}.JPEG"] = buf.getvalue()
    return out


def test_preprocessed_imagenet_from_stand_in_downloads(cm, server):
    images = _jpegs(3)
    _tar(server.dir / "val500.tar", images)
    val = "".join(f"{name} {10 * i + 3}\n" for i, name in enumerate(images))
    _tar(server.dir / "aux.tar.gz", {"val.txt": val.encode(), "synsets.txt": b"n01\n"}, "w:gz")
    rc, data, text = cm("--tags=get,dataset,imagenet,preprocessed,_size.2", "-j",
                        f"--adr.imagenet-val.url={server.url('val500.tar')}",
                        f"--adr.imagenet-val.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'val500.tar')}",
                        f"--adr.imagenet-aux.url={server.url('aux.tar.gz')}",
                        f"--adr.imagenet-aux.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'aux.tar.gz')}")
    assert rc == 0, text
    env = data["new_env"]
    x = np.load(env["CM_DATASET_PREPROCESSED_INPUTS"])
    assert x.shape == (2, 3, 224, 224) and x.dtype == np.float32
    assert np.load(env["CM_DATASET_PREPROCESSED_LABELS"]).tolist() == [3, 13]
    assert env["CM_DATASET_SIZE"] == "2" and env["CM_DATASET_DATA_LAYOUT"] == "NCHW"
    assert os.path.isfile(os.path.join(env["CM_DATASET_AUX_PATH"], "val.txt"))


def test_imagenet_val_checksum_mismatch_and_full_needs_a_path(cm, server, tmp_path):
    _tar(server.dir / "ILSVRC2012_img_val_500.tar", _jpegs(1))
    rc, _, text = cm("--tags=get,dataset,imagenet,original", f"--url={server.url('ILSVRC2012_img_val_500.tar')}")
    assert rc != 0 and "expected 8627befdd8c2bcf305729020e9db354e" in text
    rc, _, text = cm("--tags=get,dataset,imagenet,original,_full")
    assert rc != 0
    assert "--imagenet_path=PATH" in text and "IMAGENET_PATH" in text and "29b22e2961454d5413ddabcf34fc5622" in text
    rc, _, text = cm("--tags=get,dataset,imagenet,original,_full", f"--imagenet_path={tmp_path / 'none'}")
    assert rc != 0 and f"--imagenet_path={tmp_path / 'none'} does not exist" in text
    d = tmp_path / "val"
    d.mkdir()
    for name, data in _jpegs(2).items():
        (d / name).write_bytes(data)
    rc, data, text = cm("--tags=get,dataset,imagenet,original,_full", f"--imagenet_path={d}", "-j")
    assert rc == 0, text
    assert data["new_env"]["CM_DATASET_IMAGENET_PATH"] == str(d) and data["new_env"]["CM_DATASET_SIZE"] == "2"


def test_aux_from_local_copy_missing_and_wrong(cm, tmp_path):
    rc, _, text = cm("--tags=get,dataset-aux,imagenet-aux", f"--from={tmp_path / 'caffe.tgz'}")
    assert rc != 0 and f"--from={tmp_path / 'caffe.tgz'}: no such file" in text
    wrong = tmp_path / "caffe.tgz"
    _tar(wrong, {"val.txt": b"a 1\n"}, "w:gz")
    rc, _, text = cm("--tags=get,dataset-aux,imagenet-aux", f"--from={wrong}")
    assert rc != 0 and "expected f963098ea0e785a968ca1eb634003a90" in text


def _squad_features(cm, server):
    """Stand-in dev json and vocab served locally -> get-preprocessed-dataset-squad's env."""
    rc, data, text = cm("--tags=get,dataset,squad,preprocessed", "-j", *serve_squad(server))
    assert rc == 0, text
    return data["new_env"]


def test_squad_vocab_and_tokenized_features(cm, server):
    env = _squad_features(cm, server)
    assert os.path.basename(env["CM_DATASET_SQUAD_VAL_PATH"]) == "dev-v1.1.json"
    assert open(env["CM_DATASET_SQUAD_VOCAB_PATH"]).read().startswith("[PAD]")
    manifest = json.load(open(os.path.join(env["CM_DATASET_SQUAD_TOKENIZED_ROOT"], "manifest.json")))
    assert manifest["num_examples"] == 1 and manifest["qas_ids"] == ["q1"]
    # the official md5 rejects a stand-in vocab
    rc, _, text = cm("--tags=get,dataset-aux,squad-vocab", f"--url={server.url('vocab.txt')}")
    assert rc != 0 and "expected 64800d5d8528ce344256daf115d4965e" in text


def test_squad_accuracy_of_a_real_loadgen_run(cm, server, tmp_path):
    """LoadGen (accuracy mode) over the features with a SUT pointing at '1820' -> EM/F1 100."""
    from cmperf.mlperf.responses import SpanLogits
    from cmperf.mlperf.squad.qsl import SquadQSL
    from cmperf.mlperf.squad.tokenization import load_vocab
    env = _squad_features(cm, server)
    answer_id = load_vocab(env["CM_DATASET_SQUAD_VOCAB_PATH"])["1820"]
    qsl = SquadQSL(env["CM_DATASET_SQUAD_TOKENIZED_ROOT"])

    def respond(indices):
        ids = qsl.batch(indices)["input_ids"]
        logits = np.where(ids == answer_id, 10.0, 0.0).astype(np.float32)
        return [row.tobytes() for row in SpanLogits(qsl.max_seq_length)([logits, logits])]

    loadgen_accuracy_run(tmp_path, qsl.total_count, respond)
    rc, data, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_squad", f"--result_dir={tmp_path}", "-j",
                        f"--features_dir={env['CM_DATASET_SQUAD_TOKENIZED_ROOT']}",
                        f"--squad_json={env['CM_DATASET_SQUAD_VAL_PATH']}",
                        f"--vocab={env['CM_DATASET_SQUAD_VOCAB_PATH']}")
    assert rc == 0, text
    lines = (tmp_path / "accuracy.txt").read_text().splitlines()
    assert json.loads(lines[0]) == {"exact_match": 100.0, "f1": 100.0}
    assert lines[1].startswith("hash=")


def test_librispeech_subset_archive_layout(cm, server):
    _tar(server.dir / "dc.tar.gz", {"LibriSpeech/dev-clean/84/121123/84-121123-0000.flac": b"fLaC",
                                    "LibriSpeech/README.TXT": b"readme"}, "w:gz")
    rc, data, text = cm("--tags=get,dataset,librispeech", f"--url={server.url('dc.tar.gz')}", "-j",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'dc.tar.gz')}")
    assert rc == 0, text
    path = data["new_env"]["CM_DATASET_LIBRISPEECH_PATH"]
    assert path.endswith(os.path.join("LibriSpeech", "dev-clean"))
    assert os.path.isfile(os.path.join(path, "84", "121123", "84-121123-0000.flac"))
    rc, _, text = cm("--tags=get,dataset,librispeech,_test-other", f"--url={server.url('dc.tar.gz')}")
    assert rc != 0 and "expected fb5a50374b501bb3bac4815ee91d3135" in text


def test_openimages_from_a_local_copy_without_fiftyone(cm, server, tmp_path):
    # without --dataset_path the images are downloaded: tests/edge/test_openimages_download.py
    images = tmp_path / "oi" / "validation" / "data"
    images.mkdir(parents=True)
    (images / "0001eeaf4aed83f9.jpg").write_bytes(b"jpeg")
    coco = {"images": [{"id": 1, "file_name": "0001eeaf4aed83f9.jpg", "height": 2, "width": 2}],
            "annotations": [], "categories": []}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("openimages-mlperf.json", json.dumps(coco))
    (server.dir / "ann.zip").write_bytes(buf.getvalue())
    rc, _, text = cm("--tags=get,dataset,openimages", f"--dataset_path={tmp_path / 'oi'}")
    assert rc != 0 and "has 1 images" in text and "needs 50" in text
    rc, data, text = cm("--tags=get,dataset,openimages,_size.1", f"--dataset_path={tmp_path / 'oi'}", "-j",
                        f"--url={server.url('ann.zip')}", f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'ann.zip')}")
    assert rc == 0, text
    env = data["new_env"]
    assert env["CM_DATASET_PATH"] == str(images)
    assert json.load(open(env["CM_DATASET_ANNOTATIONS_FILE_PATH"])) == coco
    # a copy with its own annotations downloads nothing (no --url: the official one would be used)
    (tmp_path / "oi" / "annotations").mkdir()
    (tmp_path / "oi" / "annotations" / "openimages-mlperf.json").write_text(json.dumps(coco))
    rc, data, text = cm("--tags=get,dataset,openimages,_size.1", f"--dataset_path={tmp_path / 'oi'}", "-j",
                        "--offline")
    assert rc == 0, text
    assert data["new_env"]["CM_DATASET_ANNOTATIONS_FILE_PATH"] == str(tmp_path / "oi" / "annotations" /
                                                                      "openimages-mlperf.json")
    (tmp_path / "oi" / "annotations" / "openimages-mlperf.json").write_text("{broken")
    rc, _, text = cm("--tags=get,dataset,openimages,_size.1", f"--dataset_path={tmp_path / 'oi'}", "--new")
    assert rc != 0 and "openimages-mlperf.json" in text and "not valid JSON" in text


def test_calibration_lists_are_scripts_of_their_own(cm, server, tmp_path):
    (server.dir / "cal.txt").write_text("0001eeaf4aed83f9.jpg\n")
    rc, data, text = cm("--tags=get,dataset,openimages,calibration", f"--url={server.url('cal.txt')}",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'cal.txt')}", "-j")
    assert rc == 0, text
    assert open(data["new_env"]["CM_DATASET_CALIBRATION_LIST_PATH"]).read() == "0001eeaf4aed83f9.jpg\n"
    rc, _, text = cm("--tags=get,dataset,imagenet,calibration,_mlperf.option2", f"--url={server.url('cal.txt')}")
    assert rc != 0 and "e44582af00e3b4fc3fac30efd6bdd05f" in text


def test_kits19_from_a_local_git_repository(cm, tmp_path):
    repo = tmp_path / "kits19"
    (repo / "starter_code").mkdir(parents=True)
    (repo / "data").mkdir()
    (repo / "data" / "kits.json").write_text("[]")
    (repo / "starter_code" / "__init__.py").write_text("")
    (repo / "starter_code" / "get_imaging.py").write_text(
        "import pathlib\np = pathlib.Path('data/case_00000')\np.mkdir(parents=True)\n"
        "(p / 'imaging.nii.gz').write_bytes(b'ct')\n")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "master", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "kits"], check=True)
    rc, data, text = cm("--tags=get,dataset,kits19", f"--repo={repo}", "-j")
    assert rc == 0, text
    data_dir = data["new_env"]["CM_DATASET_KITS19_PATH"]
    assert open(os.path.join(data_dir, "case_00000", "imaging.nii.gz"), "rb").read() == b"ct"
    rc, data, text = cm("--tags=get,dataset,kits19", f"--dataset_path={repo}", "-j")
    assert rc == 0 and data["new_env"]["CM_DATASET_KITS19_PATH"] == str(repo / "data"), text


def test_imagenet_full_from_the_shell_env_and_from_a_tar(cm, tmp_path, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two" / "nested"
    two.mkdir(parents=True)
    one.mkdir()
    images = _jpegs(3)
    for k, (name, data) in enumerate(images.items()):
        (one if k else two).joinpath(name).write_bytes(data)
    monkeypatch.setenv("IMAGENET_PATH", str(one))
    rc, data, text = cm("--tags=get,dataset,imagenet,original,_full", "-j")
    assert rc == 0 and data["new_env"]["CM_DATASET_SIZE"] == "2", text
    monkeypatch.setenv("IMAGENET_PATH", str(tmp_path / "two"))      # another path: not the cached entry
    rc, data, text = cm("--tags=get,dataset,imagenet,original,_full", "-j")
    assert rc == 0, text
    assert data["new_env"]["CM_DATASET_IMAGENET_PATH"] == str(two) and data["new_env"]["CM_DATASET_SIZE"] == "1"
    monkeypatch.delenv("IMAGENET_PATH")
    tar = tmp_path / "ILSVRC2012_img_val.tar"
    _tar(tar, images)
    rc, _, text = cm("--tags=get,dataset,imagenet,original,_full", f"--imagenet_path={tar}")
    assert rc != 0 and "is not the official ImageNet validation archive" in text
    rc, data, text = cm("--tags=get,dataset,imagenet,original,_full", f"--imagenet_path={tar}", "-j",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(tar)}")
    assert rc == 0, text
    path = data["new_env"]["CM_DATASET_IMAGENET_PATH"]
    assert path.startswith(str(cm.cache)) and sorted(os.listdir(path)) == sorted(images)
