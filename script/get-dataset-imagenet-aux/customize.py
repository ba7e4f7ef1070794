"""ImageNet aux: caffe_ilsvrc12.tar.gz, downloaded and extracted by the prehook; val.txt must be in it."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError


@sources.hook
def preprocess(i):
    sources.dataset_source(i["env"], "the ImageNet aux archive (caffe_ilsvrc12.tar.gz)")


@sources.hook
def postprocess(i):
    env = i["env"]
    val = os.path.join(env["CM_DATASET_AUX_PATH"], "val.txt")
    if not os.path.isfile(val):
        raise DatasetError(f"the ImageNet aux archive has no val.txt (looked in {env['CM_DATASET_AUX_PATH']})")
    env["CM_DATASET_AUX_VAL_TXT"] = val
