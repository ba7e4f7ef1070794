"""Tags of 2022 tutorials that upstream retired, kept as scripts that ask today's script for exactly
that thing (get-ml-model-resnet50-onnx, get-onnxruntime-python-lib), and the retinanet `fp32` tag."""
import importlib.metadata

from .harness import Planner


def test_old_onnxruntime_tags_reuse_the_installed_package_with_the_requested_version(cm):
    installed = importlib.metadata.version("onnxruntime")
    rc, data, out = cm("--tags=get,onnxruntime,python-lib", f"--version={installed}", "-j")
    assert rc == 0, out
    assert data["script"] == "get-onnxruntime-python-lib" and data["version"] == installed
    assert data["new_env"]["CM_PYTHONLIB_ONNXRUNTIME_VERSION"] == installed     # handed up through the alias
    assert "already installed" in out


def test_old_resnet50_onnx_tags_plan_the_onnx_model_and_nothing_else(cm):
    rc, data, out = cm("--tags=get,ml-model-onnx,resnet50", "--plan", "-j")
    assert rc == 0, out
    root = data["plan"]["root"]
    (model,) = [c for c in root["children"] if c["script"] == "get-ml-model-resnet50"]
    assert "onnx" in model["variations"] and model["env"]["CM_ML_MODEL_FRAMEWORK"] == "onnx"
    rc, _, out = cm("--tags=get,ml-model-onnx,resnet50,_tf", "--plan")
    assert rc != 0 and "unknown variation _tf" in out          # an old name cannot mean another framework


def test_current_tags_still_find_the_current_scripts(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    planner = Planner(tmp_path / "CM")
    for tags, script in [("get,resnet50", "get-ml-model-resnet50"), ("get,image-classification,resnet50",
                                                                      "get-ml-model-resnet50"),
                         ("get,python-lib,_onnxruntime", "get-generic-python-lib"),
                         ("get,ml-model,retinanet,fp32,_onnx", "get-ml-model-retinanet")]:
        outcome = planner.plan_input({"tags": tags})
        assert outcome.planned and outcome.scripts[0] == script, (tags, outcome)
