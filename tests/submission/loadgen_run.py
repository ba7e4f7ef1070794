"""Run real LoadGen on the digits data and write an MLPerf results directory like the harness.

Used by the end-to-end test (a short test run, in a subprocess: one LoadGen test per process)
and, with --min-duration-ms 600000, to produce a full-length "valid" run by hand. The SUT is a
small deterministic scikit-learn MLP on the held-out digits (1097 images); its accuracy comes
from LoadGen's own accuracy log.
"""
import argparse
import json
from importlib import metadata
import os
import struct
import sys
import threading
import time

import numpy as np

SEEDS = {"v3.1": (148687905518835231, 520418551913322573, 811580660758947900),
         "v6.1": (2085463073848966840, 2747215439041700203, 16159082839903944936)}


def model_and_data():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(x[:700], y[:700])
    return clf, x[700:], y[700:]


def predictions(cache=None):
    """(predicted, true) classes of the held-out digits. ``cache``: an .npz that a first run writes
    and later runs of the same session read, so each LoadGen process does not import scikit-learn
    and retrain the same deterministic MLP (2.4 s of CPU each)."""
    if cache and os.path.exists(cache):
        with np.load(cache) as f:
            return f["preds"], f["ys"]
    clf, xs, ys = model_and_data()
    preds = clf.predict(xs)
    if cache:
        tmp = f"{cache}.{os.getpid()}.npz"
        np.savez(tmp, preds=preds, ys=ys)
        os.replace(tmp, cache)
    return preds, ys


def run(out_dir, mode, min_duration_ms, qps, seeds, psc, overrides=None, cache=None):
    import mlperf_loadgen as lg
    preds, ys = predictions(cache)
    pace = 1.0 / qps if min_duration_ms >= 600000 else 0.0   # full runs really take the duration

    # One int32 class id per sample; the buffers live until the test ends (LoadGen reads them).
    answers = [np.frombuffer(struct.pack("<i", int(p)), dtype=np.uint8) for p in preds]
    chunk = max(1, int(qps // 10)) if pace else 1 << 30

    def complete(samples):
        for start in range(0, len(samples), chunk):
            part = samples[start:start + chunk]
            lg.QuerySamplesComplete([lg.QuerySampleResponse(
                sid, answers[idx].__array_interface__["data"][0], 4) for sid, idx in part])
            if pace:
                time.sleep(pace * len(part))

    workers = []

    def issue(samples):
        # Copy (id, index) now: the QuerySample objects do not outlive this callback.
        pending = [(s.id, s.index) for s in samples]
        if mode == "accuracy":
            # Completing from another thread in AccuracyOnly mode crashes LoadGen 6.0.17 (rc 139).
            complete(pending)
            return
        workers.append(threading.Thread(target=complete, args=(pending,)))
        workers[-1].start()

    sut = lg.ConstructSUT(issue, lambda: None)
    qsl = lg.ConstructQSL(len(preds), psc, lambda s: None, lambda s: None)
    st = lg.TestSettings()
    st.scenario = lg.TestScenario.Offline
    st.mode = lg.TestMode.AccuracyOnly if mode == "accuracy" else lg.TestMode.PerformanceOnly
    st.min_duration_ms = min_duration_ms
    st.min_query_count = 24576 if min_duration_ms >= 600000 else 1
    st.offline_expected_qps = qps
    if seeds:
        st.qsl_rng_seed, st.sample_index_rng_seed, st.schedule_rng_seed = SEEDS[seeds]
    for key, value in (overrides or {}).items():
        setattr(st, key, value)
    os.makedirs(out_dir, exist_ok=True)
    ls = lg.LogSettings()
    ls.log_output.outdir = out_dir
    ls.log_output.copy_summary_to_stdout = False
    lg.StartTestWithLogSettings(sut, qsl, st, ls)
    for w in workers:          # never destroy the SUT under a thread still inside LoadGen
        w.join()
    lg.DestroyQSL(qsl)
    lg.DestroySUT(sut)
    with open(os.path.join(out_dir, "user.conf"), "w") as f:
        f.write(f"resnet50.Offline.target_qps = {qps}\nresnet50.Offline.min_duration = {min_duration_ms}\n")
    with open(os.path.join(out_dir, "run.json"), "w") as f:
        json.dump({"command": " ".join(sys.argv), "backend": "sklearn",
                   "loadgen_version": metadata.version("mlcommons-loadgen")}, f)
    if mode == "accuracy":
        with open(os.path.join(out_dir, "mlperf_log_accuracy.json")) as f:
            entries = json.load(f)
        good = sum(int(struct.unpack("<i", bytes.fromhex(e["data"]))[0] == ys[e["qsl_idx"]]) for e in entries)
        with open(os.path.join(out_dir, "accuracy.txt"), "w") as f:
            f.write(f"accuracy={100.0 * good / len(entries):.3f}%, good={good}, total={len(entries)}\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results-dir", required=True)
    p.add_argument("--mode", choices=["performance", "accuracy"], required=True)
    p.add_argument("--min-duration-ms", type=int, default=0)
    p.add_argument("--qps", type=float, default=2000)
    p.add_argument("--seeds", choices=sorted(SEEDS), default=None)
    p.add_argument("--performance-sample-count", type=int, default=1024)
    p.add_argument("--test", help="compliance run: write into <scenario>/TESTxx (audit.config must be in the cwd)")
    p.add_argument("--predictions-cache", help="an .npz of the SUT's answers, written by the first run, read by the next")
    a = p.parse_args()
    sut_dir = os.path.join(a.results_dir, "testcpu-cmperf-cpu-sklearn-v1-default_config")
    scen = os.path.join(sut_dir, "digits-mlp", "offline")
    base = os.path.join(scen, a.test) if a.test else scen
    sub = os.path.join(base, "performance", "run_1") if a.mode == "performance" else os.path.join(base, "accuracy")
    overrides = {}
    if a.test:
        from cmperf.submission.compliance import loadgen_overrides
        overrides = loadgen_overrides(a.test, a.seeds or "v3.1")
    run(sub, a.mode, a.min_duration_ms, a.qps, a.seeds, a.performance_sample_count, overrides, a.predictions_cache)
    with open(os.path.join(sut_dir, "cm-sut-info.json"), "w") as f:
        json.dump({"system_name": "Test CPU box", "hardware_name": "testcpu", "implementation": "cmperf",
                   "device": "cpu", "framework": "sklearn", "framework_version": "1", "run_config": "default_config",
                   "host_processor_model_name": "Test CPU", "host_processor_core_count": 2,
                   "host_processors_per_node": 1, "host_memory_capacity": "24G", "operating_system": "Linux",
                   "accelerator_model_name": "", "accelerators_per_node": 0}, f)
    with open(os.path.join(scen, "measurements.json"), "w") as f:
        json.dump({"input_data_types": "fp64", "retraining": "no", "starting_weights_filename": "digits-mlp (sklearn)",
                   "weight_data_types": "fp64", "weight_transformations": "none"}, f)
    with open(os.path.join(scen, "README.md"), "w") as f:
        f.write("# digits-mlp offline\n\n`python tests/submission/loadgen_run.py ...`\n")


if __name__ == "__main__":
    main()
