"""Flow efficiency: the default resnet50 flow's LoadGen phase vs the raw backend on the same model file.

  python bench/flow_efficiency.py [--model resnet50|digits-mlp] [--pairs 7] [--samples N] [--sweep]

The flow is cmperf.mlperf.run.execute(RunSpec) with nothing but the model, its file and its data
given: every other setting (Offline batch size, threads, warm-up) is the default a user gets.
Its LoadGen phase is LoadGen's own samples/s. The raw side is onnxruntime in a tight loop in this
process on the same model file, at the fastest batch size a sweep finds (so a poor default shows
up as a ratio below 1). Pairs alternate flow and raw (bench/pairs.py); printed is the median of
the per-pair ratios flow/raw with its spread (target >= 0.98).

resnet50 runs offline on a stand-in: an ONNX graph with MLPerf's resnet50 interface
(``input_tensor:0`` [N,3,224,224] -> ``ArgMax:0``), a few conv layers with seeded random
weights (~75 M multiply-adds an image), and random preprocessed images; ``--model-path`` and
``--dataset-dir`` take the real resnet50_v1.onnx and a preprocessed ImageNet dir instead.
``--sweep`` prints raw samples/s per batch size and thread count (how sut_config's measured
defaults were chosen).
"""
import argparse
import io
import json
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pairs import describe, paired  # noqa: E402

from cmperf.mlperf import run as mlrun, spec as specs, sut_config  # noqa: E402
from cmperf.mlperf.assets import resolve  # noqa: E402
from cmperf.mlperf.backends import get_backend  # noqa: E402
from cmperf.mlperf.harness import make_qsl, make_responses  # noqa: E402


def stand_in_resnet50(path, seed=0):
    """A small ONNX graph with resnet50_v1.onnx's input/output names and shapes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)

    def w(name, *shape):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        return numpy_helper.from_array((rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32), name)
    inits = [w("c1", 32, 3, 7, 7), numpy_helper.from_array(np.zeros(32, np.float32), "b1"),
             w("c2", 64, 32, 3, 3), numpy_helper.from_array(np.zeros(64, np.float32), "b2"),
             w("fc", 64, 1001), numpy_helper.from_array(np.zeros(1001, np.float32), "bfc")]
    nodes = [helper.make_node("Conv", ["input_tensor:0", "c1", "b1"], ["x1"], kernel_shape=[7, 7], strides=[2, 2],
                              pads=[3, 3, 3, 3]),
             helper.make_node("Relu", ["x1"], ["r1"]),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["p1", "c2", "b2"], ["x2"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["x2"], ["r2"]),
             helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
             helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "bfc"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["softmax_tensor:0"], axis=1),
             helper.make_node("ArgMax", ["logits"], ["ArgMax:0"], axis=1, keepdims=0)]
    graph = helper.make_graph(nodes, "resnet50_stand_in",
                              [helper.make_tensor_value_info("input_tensor:0", TensorProto.FLOAT, ["N", 3, 224, 224])],
                              [helper.make_tensor_value_info("ArgMax:0", TensorProto.INT64, ["N"]),
                               helper.make_tensor_value_info("softmax_tensor:0", TensorProto.FLOAT, ["N", 1001])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def stand_in_dataset(d, n=64, seed=0):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(seed)
    np.save(os.path.join(d, "inputs.npy"), rng.standard_normal((n, 3, 224, 224), dtype=np.float32))
    np.save(os.path.join(d, "labels.npy"), rng.integers(0, 1000, n))
    return d


def flow_run(a, work, n):
    """The default flow: only model, model file and data given; LoadGen's samples/s."""
    spec = specs.RunSpec.build(a.model, model_path=a.model_path, dataset_dir=a.dataset_dir, scenarios="Offline",
                               modes="performance", run_style="test", test_query_count=n,
                               results_dir=tempfile.mkdtemp(prefix="flow-", dir=work))
    (rec,) = mlrun.execute(spec, out=io.StringIO())
    flow_run.settings = {k: rec["info"][k] for k in ("batch_size", "threads")}
    return rec["result"]["value"]


def raw(backend, qsl, post, n, bs):
    idx = np.arange(n) % qsl.total_count
    t0 = time.perf_counter()
    for i in range(0, n, bs):
        post(backend.predict(qsl.batch(idx[i:i + bs])))
    return n / (time.perf_counter() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="resnet50", choices=("resnet50", "digits-mlp"))
    ap.add_argument("--model-path")
    ap.add_argument("--dataset-dir")
    ap.add_argument("--samples", type=int, help="Offline samples per run (default: ~3 s of work)")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--batches", default="1,8,32,128")
    ap.add_argument("--sweep", action="store_true", help="also raw samples/s per batch and thread count")
    a = ap.parse_args(argv)
    if a.pairs < 7:
        ap.error("--pairs must be >= 7")
    with tempfile.TemporaryDirectory(prefix="flow-eff-") as work:
        if a.model == "resnet50":
            a.model_path = a.model_path or stand_in_resnet50(os.path.join(work, "resnet50_stand_in.onnx"))
            a.dataset_dir = a.dataset_dir or stand_in_dataset(os.path.join(work, "data"))
        model = specs.harness_model(a.model)
        model_path, a.dataset_dir = resolve(model, "onnxruntime", a.dataset_dir, a.model_path)
        qsl = make_qsl(model, a.dataset_dir, 1024)
        post = make_responses(model, qsl)
        backend = get_backend("onnxruntime", "cpu", None).load(model_path, model.input_name, model.output_name)
        batches = [int(b) for b in a.batches.split(",")]
        probe = {bs: raw(backend, qsl, post, max(bs, 64), bs) for bs in batches for _ in (0, 1)}
        best = max(probe, key=probe.get)
        n = a.samples or max(best * 4, int(probe[best] * 3) // best * best)
        sweep = {}
        if a.sweep:
            for threads in (1, 2, None):
                b = get_backend("onnxruntime", "cpu", threads).load(model_path, model.input_name, model.output_name)
                sweep[str(threads or "default")] = {bs: round(float(np.median([raw(b, qsl, post, n, bs)
                                                                             for _ in range(3)])), 1)
                                                    for bs in batches}
        s = paired(lambda: flow_run(a, work, n), lambda: raw(backend, qsl, post, n, best), a.pairs)
    print(json.dumps({"model": a.model, "model_path": None if "flow-eff-" in model_path else model_path,
                      "samples": n, "raw_best_batch": best, "raw_probe": probe,
                      "flow_defaults": getattr(flow_run, "settings", None),
                      "default_from": sut_config.defaults(a.model, "onnxruntime", "Offline"),
                      "sweep": sweep, "paired": s}, indent=1))
    print(describe(f"{a.model} flow LoadGen phase / raw backend (batch {best})", s, "samples/s", ">= 0.98"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
