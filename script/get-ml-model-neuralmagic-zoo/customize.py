"""A SparseZoo stub: a local copy (--model_path, unverified) or sparsezoo's download (run.sh)."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import ModelFileError


def _stub(env):
    stub = env.get("CM_MODEL_ZOO_STUB", "")
    if not stub.startswith("zoo:"):
        raise ModelFileError(f"SparseZoo stubs start with 'zoo:', got {stub!r} (_model-stub.zoo:...)")
    return stub


@sources.hook
def plan(i):
    env = i["env"]
    stub = _stub(env)
    if env.get("CM_ML_MODEL_LOCAL_PATH"):
        return {"actions": [{"kind": "note", "text": f"{stub}: use the local copy {env['CM_ML_MODEL_LOCAL_PATH']} "
                                                     "(SparseZoo publishes no checksum: recorded as unverified)"}]}
    return {"actions": [{"kind": "download", "url": stub, "size": None, "checksum": None, "path": "model.onnx"},
                        {"kind": "note", "text": "downloaded by sparsezoo (installed with deepsparse) in the chosen "
                                                 "python; no published checksum: recorded as unverified"}]}


@sources.hook
def preprocess(i):
    env = i["env"]
    _stub(env)
    env["CM_ML_MODEL_CHECKSUM_VERIFIED"] = "no"
    local = env.get("CM_ML_MODEL_LOCAL_PATH", "")
    if local:
        local = os.path.abspath(os.path.expanduser(local))
        if os.path.isdir(local):
            local = os.path.join(local, "model.onnx")
        if not os.path.isfile(local):
            raise ModelFileError(f"--model_path: {local} does not exist (expected the stub's model.onnx)")
        env["CM_ML_MODEL_FILE_WITH_PATH"] = local   # run.sh downloads nothing then
    env["CM_ML_MODEL_DOWNLOAD_DIR"] = os.path.join(os.getcwd(), "sparsezoo")


@sources.hook
def postprocess(i):
    env = i["env"]
    env.setdefault("CM_PACKAGE_URL", env["CM_MODEL_ZOO_STUB"])
    env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] = env.get("CM_ML_MODEL_STARTING_WEIGHTS_FILENAME") or env["CM_MODEL_ZOO_STUB"]
    sources.model_outputs(env)
