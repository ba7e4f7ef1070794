"""get-preprocessed-dataset-openimages / -kits19 through the real `cm`, from local copies."""
import json

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


def test_preprocessed_kits19_needs_every_case_of_the_reference(cm, tmp_path):
    # (the successful path runs in test_app_edge's 3d-unet test)
    standins.kits19_raw(str(tmp_path / "kits19" / "data"))
    rc, _, text = cm("--tags=get,dataset,kits19,preprocessed", f"--dataset_path={tmp_path / 'kits19'}")
    assert rc != 0 and "KiTS19 cases lack imaging.nii.gz" in text   # the reference's 43 are not all there
