"""A ResNet-50 v1.5-architecture ONNX graph with seeded random weights: PERFORMANCE ONLY.

Same interface as MLPerf's resnet50_v1.onnx (input ``input_tensor:0`` float32 [N,3,224,224];
outputs ``ArgMax:0`` int64 [N] and ``softmax_tensor:0`` float32 [N,1001]) and the same
convolution/GEMM work, so it times like the real model offline. Its weights are random (batch
norm folded into the convolutions), so its predictions mean nothing: the registry marks it
performance-only and the harness refuses accuracy mode with it.
"""
import argparse
import os
import sys

import numpy as np


FILE_NAME = "resnet50_random.onnx"
INPUT_NAME, ARGMAX_NAME, SOFTMAX_NAME = "input_tensor:0", "ArgMax:0", "softmax_tensor:0"
NUM_CLASSES = 1001
STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # (width, blocks, stride) of ResNet-50
DEFAULT_SEED = 50


class _GraphBuilder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def _name(self, prefix):
        self.n += 1
        return f"{prefix}_{self.n}"

    def conv(self, x, cin, cout, k, stride=1, relu=True, scale=1.0):
        from onnx import helper, numpy_helper
        w_name, b_name, y = self._name("W"), self._name("B"), self._name("conv")
        std = scale * np.sqrt(2.0 / (cin * k * k))  # He init keeps activations finite through 50 layers
        w = (self.rng.standard_normal((cout, cin, k, k), dtype=np.float32) * std).astype(np.float32)
        self.inits += [numpy_helper.from_array(w, w_name),
                       numpy_helper.from_array(np.zeros(cout, np.float32), b_name)]
        pad = k // 2
        self.nodes.append(helper.make_node("Conv", [x, w_name, b_name], [y], kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[pad] * 4))
        return self.relu(y) if relu else y

    def relu(self, x):
        from onnx import helper
        y = self._name("relu")
        self.nodes.append(helper.make_node("Relu", [x], [y]))
        return y

    def bottleneck(self, x, cin, width, stride):
        """v1.5: the stride sits on the 3x3 convolution; a projection when the shape changes."""
        from onnx import helper
        h = self.conv(x, cin, width, 1)
        h = self.conv(h, width, width, 3, stride)
        h = self.conv(h, width, width * 4, 1, relu=False, scale=0.2)
        short = x if (cin == width * 4 and stride == 1) else self.conv(x, cin, width * 4, 1, stride, relu=False)
        y = self._name("add")
        self.nodes.append(helper.make_node("Add", [h, short], [y]))
        return self.relu(y)


def build_model(seed=DEFAULT_SEED):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    g = _GraphBuilder(seed)
    x = g.conv(INPUT_NAME, 3, 64, 7, 2)
    pooled = "pool1"
    g.nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4))
    x, cin = pooled, 64
    for width, blocks, stride in STAGES:
        for i in range(blocks):
            x = g.bottleneck(x, cin, width, stride if i == 0 else 1)
            cin = width * 4
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    g.nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
    fc_w = (g.rng.standard_normal((cin, NUM_CLASSES), dtype=np.float32) * np.sqrt(1.0 / cin)).astype(np.float32)
    g.inits += [numpy_helper.from_array(fc_w, "fc_W"),
                numpy_helper.from_array(np.zeros(NUM_CLASSES, np.float32), "fc_B")]
    g.nodes.append(helper.make_node("Gemm", ["flat", "fc_W", "fc_B"], ["logits"]))
    g.nodes.append(helper.make_node("Softmax", ["logits"], [SOFTMAX_NAME], axis=1))
    g.nodes.append(helper.make_node("ArgMax", ["logits"], [ARGMAX_NAME], axis=1, keepdims=0))
    graph = helper.make_graph(
        g.nodes, "resnet50_v1.5_random_weights_performance_only",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info(ARGMAX_NAME, TensorProto.INT64, ["N"]),
         helper.make_tensor_value_info(SOFTMAX_NAME, TensorProto.FLOAT, ["N", NUM_CLASSES])],
        initializer=g.inits)
    model = helper.make_model(graph, producer_name="cmperf (random weights, performance only)",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = min(model.ir_version, 8)
    model.doc_string = "PERFORMANCE ONLY: seeded random weights; refused for accuracy or submission"
    onnx.checker.check_model(model)
    return model


def build(path, seed=DEFAULT_SEED):
    """Write the model to ``path`` through a temp file (never a half-written model)."""
    import tempfile
    import onnx

    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=d)
    os.close(fd)
    try:
        onnx.save(build_model(seed), tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def random_inputs(n, seed=0):
    """Seeded images in the range of MLPerf's mean-subtracted NCHW preprocessing (timing only)."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, 3, 224, 224), dtype=np.float32) * 255.0 - 120.0).astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help=f"model file to write (e.g. {FILE_NAME})")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = ap.parse_args(argv)
    print(build(a.out, a.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
