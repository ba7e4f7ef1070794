"""Flow efficiency: the default resnet50 flow's LoadGen phase vs the raw backend on the same model file.

  python bench/flow_efficiency.py [--model resnet50|digits-mlp] [--pairs 7] [--samples N] [--sweep]

The flow is cmperf.mlperf.run.execute(RunSpec) with nothing but the model, its file and its data
given: every other setting (Offline batch size, threads, warm-up) is the default a user gets.
Its LoadGen phase is LoadGen's own samples/s. The raw side is onnxruntime in a tight loop in this
process on the same model file, at the fastest batch size a sweep finds (so a poor default shows
up as a ratio below 1). Pairs alternate flow and raw (bench/pairs.py); printed is the median of
the per-pair ratios flow/raw with its spread (target >= 0.98).

resnet50 runs offline on a stand-in with the real network: ResNet-50 v1.5's layers with seeded
random weights (cmperf.mlperf.models.resnet50_random; same input/output names and shapes as
resnet50_v1.onnx, the same ~4 GMACs an image, so the same best batch size; an earlier few-layer
stand-in was fastest at batch 1 where the real network is fastest at 32, and so misjudged the
default) and random preprocessed images; ``--model-path`` and ``--dataset-dir`` take the real
resnet50_v1.onnx and a preprocessed ImageNet dir instead. The sample count is a multiple of both the
raw side's batch and the flow's default batch (no partial last batch on either side).
``--sweep`` prints raw samples/s per batch size and thread count (how sut_config's measured
defaults were chosen).
"""
import argparse
import io
import json
import math
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


def stand_in_resnet50(path):
    """ResNet-50 v1.5 itself (cmperf.mlperf.models.resnet50_random: the real layer shapes, so the
    same work per image and the same batch-size behaviour), with seeded random weights."""
    from cmperf.mlperf.models import resnet50_random
    return resnet50_random.build(path)


def stand_in_dataset(d, n=64):
    from cmperf.mlperf.models import resnet50_random
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "inputs.npy"), resnet50_random.random_inputs(n))
    np.save(os.path.join(d, "labels.npy"), np.random.default_rng(0).integers(0, 1000, n))
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
    ap.add_argument("--batches", default="1,8,32,64")
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
        unit = math.lcm(best, sut_config.defaults(a.model, "onnxruntime", "Offline")["batch_size"])
        n = a.samples or unit * max(1, math.ceil(max(best * 4, probe[best] * 3) / unit))
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
