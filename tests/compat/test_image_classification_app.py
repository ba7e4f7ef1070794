"""app-image-classification-onnx-py (upstream's modular image classification demo) through `cm`."""
import numpy as np
import pytest

from .harness import Planner


def _model(path):
    """A stand-in ImageNet classifier: mean colour per channel -> 1001 scores (class 0 = background);
    a red image scores highest on output 8 (label index 7), blue on output 3."""
    import onnx
    from onnx import TensorProto, helper
    w = np.zeros((3, 1001), np.float32)
    w[0, 8], w[2, 3] = 1.0, 1.0                     # channel 0 is R after the reference's BGR->RGB
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["input_tensor:0"], ["m"], axes=[2, 3], keepdims=0),
         helper.make_node("MatMul", ["m", "w"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["softmax_tensor:0"], axis=1)],
        "tiny", [helper.make_tensor_value_info("input_tensor:0", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("softmax_tensor:0", TensorProto.FLOAT, [1, 1001])],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.flatten())])
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
                     .SerializeToString())
    return path


def test_classifies_an_image_with_the_reference_preprocessing(cm, tmp_path):
    cv2 = pytest.importorskip("cv2")
    img = np.zeros((300, 400, 3), np.uint8)
    img[:, :, 2] = 255                                  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / "red.png"), img)
    labels = tmp_path / "synset_words.txt"
    labels.write_text("".join(f"n{i:08d} class {i}\n" for i in range(1000)))
    rc, data, out = cm("--tags=app,image-classification,onnx,python", f"--input={tmp_path / 'red.png'}",
                       f"--model_path={_model(tmp_path / 'm.onnx')}", f"--labels={labels}", "--top_k=2", "-j")
    assert rc == 0, out
    top = data["new_state"]["image_classification"]
    assert top[0]["class"] == 7 and top[0]["label"] == "class 7" and len(top) == 2
    rc, _, out = cm("--tags=app,image-classification,onnx,python", f"--input={tmp_path / 'nope.png'}",
                    f"--model_path={tmp_path / 'm.onnx'}", f"--labels={labels}")
    assert rc != 0 and "nope.png" in out


def test_without_input_it_plans_the_model_labels_and_a_sample_image(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    out = Planner(tmp_path / "CM").plan_input({"tags": "app,image-classification,onnx,python"})
    assert out.planned, out.error
    assert {"get-ml-model-resnet50", "get-dataset-imagenet-aux", "get-dataset-imagenet-val"} <= set(out.scripts)
