"""get-preprocessed-dataset-openimages / -kits19 through the real `cm`, from local copies."""
import json
import os

import numpy as np

from . import standins


def test_preprocessed_openimages_from_a_local_copy(cm, tmp_path):
    standins.openimages_dataset(tmp_path / "oi")
    rc, data, text = cm("--tags=get,dataset,openimages,preprocessed,_size.2", f"--dataset_path={tmp_path / 'oi'}",
                        "-j")
    assert rc == 0, text
    env = data["new_env"]
    x = np.load(env["CM_DATASET_PREPROCESSED_INPUTS"], mmap_mode="r")
    assert x.shape == (2, 3, 800, 800) and x.dtype == np.float32
    man = json.load(open(env["CM_DATASET_PREPROCESSED_MANIFEST"]))
    assert man["annotations"] == str(tmp_path / "oi" / "annotations" / "openimages-mlperf.json")
    rc, _, text = cm("--tags=get,dataset,openimages,preprocessed,_size.5", f"--dataset_path={tmp_path / 'oi'}")
    assert rc != 0 and "has 3 images" in text


def test_preprocessed_kits19_from_a_local_checkout(cm, tmp_path):
    standins.kits19_raw(str(tmp_path / "kits19" / "data"))
    rc, data, text = cm("--tags=get,dataset,kits19,preprocessed", f"--dataset_path={tmp_path / 'kits19'}",
                        f"--cases={','.join(standins.KITS_CASES)}", "-j")
    assert rc == 0, text
    pre = data["new_env"]["CM_DATASET_PREPROCESSED_PATH"]
    assert json.load(open(os.path.join(pre, "cases.json")))["file_list"] == standins.KITS_CASES
    assert np.load(os.path.join(pre, "case_00003.npy")).shape == (1, 192, 128, 128)
    rc, _, text = cm("--tags=get,dataset,kits19,preprocessed", f"--dataset_path={tmp_path / 'kits19'}", "--new")
    assert rc != 0 and "KiTS19 cases lack imaging.nii.gz" in text   # the reference's 43 are not all there
