"""digits-mlp: the embedded offline default benchmark.

scikit-learn's bundled 8x8 digits, a deterministic stratified split whose held-out part has at
least 1024 images (MLPerf's resnet50 performance_sample_count), and a wide network
64 -> 3072 -> 3072 -> 10 (seeded random ReLU features, ridge-trained readout: ~98% top-1 on the
held-out images), exported to ONNX with onnx.helper (and to a TF SavedModel when tensorflow is
importable). Its per-query cost (~9.6 M multiply-adds, a few ms at batch 1 on 2 cores) keeps a
valid 600 s LoadGen run within memory: LoadGen's query list grows with queries per second.

Output directory (written atomically):
  model.onnx        input "input" float32 [N,64] (pixels / 16), output "scores" float32 [N,10]
  inputs.npy        held-out inputs, float32 [M,64], already scaled like the model expects
  labels.npy        held-out true labels, int64 [M] (from the dataset, never from the model)
  saved_model/      TF SavedModel with the same weights (only when tensorflow is importable)
  model.pt          TorchScript with the same weights (only when torch is importable)
  manifest.json     sha256 of every file, split seed, sizes, train/test accuracy, versions
"""
import argparse
import importlib
import json
import os
import sys

import numpy as np

from ..errors import BackendUnavailableError, DatasetError
from ... import pins
from ...filehash import sha256_file
from ..fsutil import staging_dir

MODEL_NAME = "digits-mlp"
INPUT_NAME = "input"
OUTPUT_NAME = "scores"
NUM_FEATURES = 64
NUM_CLASSES = 10
DEFAULT_SEED = 2024
DEFAULT_TEST_SIZE = 1024
HIDDEN = (3072, 3072)   # random-feature widths: sized so one query costs ~9.6 M multiply-adds
RIDGE = 1e-2            # readout regularisation, relative to the mean feature energy
MANIFEST = "manifest.json"
FILES = ("model.onnx", "inputs.npy", "labels.npy")


def load_split(seed=DEFAULT_SEED, test_size=DEFAULT_TEST_SIZE):
    """Return (x_train, y_train, x_test, y_test) with inputs scaled to [0, 1] as float32."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if test_size < 1024:
        raise ValueError(f"test_size {test_size} < 1024: MLPerf needs 1024 performance samples")
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    if test_size >= len(y) - NUM_CLASSES * 10:
        raise ValueError(f"test_size {test_size} leaves too few of {len(y)} digits for training")
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed, shuffle=True)
    return x_tr, y_tr, x_te, y_te


def train(x_train, y_train, seed=DEFAULT_SEED):
    """The network as [(W1, b1), (W2, b2), (W3, b3)] float32 ((in, out) weights).

    A wide random-feature network: two seeded random ReLU layers (He-scaled; the features of
    the arc-cosine kernel) and a readout trained by ridge regression on one-hot targets, solved
    exactly in its dual form. Training is one deterministic linear solve (well under a second),
    and one query costs ~9.6 M multiply-adds, so a 600 s LoadGen run issues a number of
    queries that fits in memory (see docs/mlperf-harness.md)."""
    rng = np.random.default_rng(seed)
    sizes = [NUM_FEATURES] + list(HIDDEN)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))
        b = rng.standard_normal(fan_out, dtype=np.float32) * np.float32(0.1)
        layers.append((w, b))
    feats = _features(layers, x_train).astype(np.float64)
    mean = feats.mean(axis=0)
    f = feats - mean
    y = np.eye(NUM_CLASSES)[y_train] - 1.0 / NUM_CLASSES
    gram = f @ f.T
    alpha = np.linalg.solve(gram + RIDGE * np.trace(gram) / len(gram) * np.eye(len(gram)), y)
    w_out = f.T @ alpha
    b_out = (1.0 / NUM_CLASSES) - mean @ w_out
    layers.append((w_out.astype(np.float32), b_out.astype(np.float32)))
    return layers


def _features(hidden_layers, x):
    h = x
    for w, b in hidden_layers:
        h = np.maximum(h @ w + b, 0.0)
    return h


def forward(layers, x):
    """Numpy reference of the exported graph (used to check the ONNX export)."""
    w, b = layers[-1]
    return _features(layers[:-1], x) @ w + b


def to_onnx(layers, opset=13):
    """Build the ONNX graph (Gemm -> Relu) x hidden -> Gemm with a dynamic batch dimension."""
    import onnx
    # check the graph with 1-element stand-in weights: the checker serialises the whole model,
    # which for 38 MB of weights costs seconds (onnxruntime loads the real file in the tests)
    onnx.checker.check_model(_onnx_graph([(np.zeros((1, 1), np.float32), np.zeros(1, np.float32))] * len(layers),
                                         opset))
    return _onnx_graph(layers, opset)


def _onnx_graph(layers, opset):
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes, x = [], [], INPUT_NAME
    for i, (w, b) in enumerate(layers, 1):
        inits += [numpy_helper.from_array(w, f"W{i}"), numpy_helper.from_array(b, f"B{i}")]
        last = i == len(layers)
        out = OUTPUT_NAME if last else f"hidden{i}"
        nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"B{i}"], [out], name=f"fc{i}"))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"{out}_relu"], name=f"relu{i}"))
            x = f"{out}_relu"
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", NUM_FEATURES])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", NUM_CLASSES])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="cmperf", opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = min(model.ir_version, 8)  # loadable by older onnxruntime releases too
    return model


def export_saved_model(layers, path):
    """Write a TF SavedModel computing the same scores; needs tensorflow importable."""
    importlib.invalidate_caches()  # tensorflow may have been pip-installed by a dependency of this process
    try:
        import tensorflow as tf
    except ImportError as e:
        raise BackendUnavailableError(
            f"cannot export {MODEL_NAME} to a TF SavedModel: tensorflow is not importable ({e}); "
            "install it with `pip install tensorflow-cpu` (or tensorflow on macOS arm64)") from e

    class DigitsMLP(tf.Module):
        def __init__(self):
            super().__init__()
            self.ws = [tf.Variable(w) for w, _ in layers]
            self.bs = [tf.Variable(b) for _, b in layers]

        @tf.function(input_signature=[tf.TensorSpec([None, NUM_FEATURES], tf.float32, name=INPUT_NAME)])
        def serve(self, x):
            for w, b in zip(self.ws[:-1], self.bs[:-1]):
                x = tf.nn.relu(tf.matmul(x, w) + b)
            return {OUTPUT_NAME: tf.matmul(x, self.ws[-1]) + self.bs[-1]}

    module = DigitsMLP()
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
    return tf.__version__


def export_torchscript(layers, path):
    """Write a TorchScript module computing the same scores; needs torch importable."""
    try:
        import torch
    except ImportError as e:
        raise BackendUnavailableError(
            f"cannot export {MODEL_NAME} to TorchScript: torch is not importable ({e}); "
            f"`pip install torch=={pins.TORCH}` (cmperf's `pytorch` extra)") from e
    mods = []
    for i, (w, _) in enumerate(layers):
        mods.append(torch.nn.Linear(w.shape[0], w.shape[1]))
        if i < len(layers) - 1:
            mods.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*mods)
    with torch.no_grad():
        for lin, (w, b) in zip([m for m in net if isinstance(m, torch.nn.Linear)], layers):
            lin.weight.copy_(torch.from_numpy(w.T.copy()))  # stored as (in, out)
            lin.bias.copy_(torch.from_numpy(b))
    torch.jit.script(net.eval()).save(path)
    return torch.__version__


def _wanted(flag, module, what):
    if flag not in ("auto", "yes", "no"):
        raise ValueError(f"{what} must be auto, yes or no, not {flag!r}")
    if flag != "auto":
        return flag == "yes"
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def build(out_dir, seed=DEFAULT_SEED, test_size=DEFAULT_TEST_SIZE, tf_export="auto", torch_export="auto"):
    """Train and write the digits benchmark into ``out_dir`` atomically; return the manifest.

    tf_export / torch_export: "auto" (when tensorflow / torch is importable), "yes" (error if
    not), "no".
    """
    import onnx
    import sklearn

    want_tf = _wanted(tf_export, "tensorflow", "tf_export")
    want_torch = _wanted(torch_export, "torch", "torch_export")
    x_tr, y_tr, x_te, y_te = load_split(seed, test_size)
    layers = train(x_tr, y_tr, seed)
    train_acc = float((forward(layers, x_tr).argmax(1) == y_tr).mean())
    test_acc = float((forward(layers, x_te).argmax(1) == y_te).mean())
    model = to_onnx(layers)

    with staging_dir(out_dir) as tmp:
        onnx.save(model, os.path.join(tmp, "model.onnx"))
        np.save(os.path.join(tmp, "inputs.npy"), x_te)
        np.save(os.path.join(tmp, "labels.npy"), y_te)
        files = list(FILES)
        tf_version = None
        if want_tf:
            tf_version = export_saved_model(layers, os.path.join(tmp, "saved_model"))
            for root, _, names in os.walk(os.path.join(tmp, "saved_model")):
                files += [os.path.relpath(os.path.join(root, n), tmp) for n in names]
        torch_version = None
        if want_torch:
            torch_version = export_torchscript(layers, os.path.join(tmp, "model.pt"))
            files.append("model.pt")
        manifest = {
            "model": MODEL_NAME,
            "dataset": "sklearn.datasets.load_digits (8x8, 1797 images)",
            "split": {"method": "sklearn train_test_split, stratified", "seed": seed,
                      "train_size": int(len(y_tr)), "test_size": int(len(y_te))},
            "network": {"layers": [NUM_FEATURES, *HIDDEN, NUM_CLASSES], "activation": "relu",
                        "trainer": "seeded random ReLU features + ridge-regression readout (dual solve)",
                        "ridge": RIDGE, "seed": seed},
            "input": {"name": INPUT_NAME, "shape": ["N", NUM_FEATURES], "dtype": "float32",
                      "preprocessing": "pixel / 16"},
            "output": {"name": OUTPUT_NAME, "shape": ["N", NUM_CLASSES], "dtype": "float32"},
            "train_accuracy": train_acc,
            "test_accuracy_numpy": test_acc,
            "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                         "onnx": onnx.__version__, "tensorflow": tf_version,
                         "torch": torch_version},
            "saved_model": "saved_model" if want_tf else None,
            "sha256": {f: sha256_file(os.path.join(tmp, f)) for f in files},
        }
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
    return manifest


def verify(out_dir):
    """Check a built directory against its manifest; return the manifest or raise DatasetError."""
    mpath = os.path.join(out_dir, MANIFEST)
    if not os.path.isfile(mpath):
        raise DatasetError(f"{MODEL_NAME} directory {out_dir!r} has no {MANIFEST}; "
                           f"build it with `python -m cmperf.mlperf.models.digits --out {out_dir}`")
    with open(mpath, encoding="utf-8") as f:
        manifest = json.load(f)
    for name, digest in manifest["sha256"].items():
        p = os.path.join(out_dir, name)
        if not os.path.isfile(p):
            raise DatasetError(f"{p} listed in {mpath} is missing")
        if sha256_file(p) != digest:
            raise DatasetError(f"{p} does not match the sha256 in {mpath} (modified or corrupt)")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory (replaced atomically)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--test-size", type=int, default=DEFAULT_TEST_SIZE)
    ap.add_argument("--tf", choices=("auto", "yes", "no"), default="auto",
                    help="also export a TF SavedModel")
    ap.add_argument("--torch", choices=("auto", "yes", "no"), default="auto",
                    help="also export TorchScript (model.pt)")
    a = ap.parse_args(argv)
    try:
        m = build(a.out, a.seed, a.test_size, a.tf, a.torch)
    except (BackendUnavailableError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: m[k] for k in ("split", "train_accuracy", "test_accuracy_numpy")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
