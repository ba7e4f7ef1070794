"""The reference harness: one LoadGen test (QSL + SUT) of one model/backend/scenario/mode.

  python -m cmperf.mlperf.harness JOB.json        (a cmperf.mlperf.spec.HarnessJob)

or ``run_job(job)`` in a process that has run no LoadGen test yet (LoadGen allows one per
process). Writes LoadGen's logs, a verbatim copy of user.conf and ``run.json`` (backend and
versions, thread settings, batch size, host facts) into a staging dir that replaces
``job.output_dir`` only once the test has finished (a killed run leaves the old one intact).
The outcome goes to ``job.result_file`` as JSON ({"ok": true} or {"ok": false, "error", "kind"});
progress (elapsed, expected duration, queries issued/completed, throughput or latency) goes
through cmperf.core.progress. Exit codes: 0 done (also for an INVALID result), 2 bad input,
3 inference errors.
"""
import json
import os
import shutil
import sys
import time

import numpy as np

from . import spec as specs
from .errors import ConfigError, MlperfError, ModelFileError
from ..filehash import sha256_file
from .fsutil import staging_dir, write_json_atomic

RUN_JSON = "run.json"


def describe_inputs(batch):
    """'float32 [1, 64]' or 'input_ids int64 [384], ...': what one sample feeds the model."""
    if isinstance(batch, dict):
        return ", ".join(f"{name} {a.dtype} {list(a.shape[1:])}" for name, a in batch.items())
    return f"{batch.dtype} {list(batch.shape[1:])}"


def make_qsl(model, dataset_dir, performance_sample_count):
    return specs.load_object(model.qsl)(model, dataset_dir, performance_sample_count)


def make_responses(model, qsl):
    from .responses import for_spec
    if ":" in model.response:
        return specs.load_object(model.response)(model, qsl)
    return for_spec(model, getattr(qsl, "max_seq_length", None))


def warm_up(backend, qsl, responses, batch_size, seconds):
    """Untimed inferences outside LoadGen's clock (allocations, thread-pool start-up): at least one,
    then until ``seconds`` have passed, so a big model is not warmed for minutes."""
    warm = qsl.batch([i % qsl.total_count for i in range(batch_size)])
    t0, n = time.monotonic(), 0
    try:
        while n == 0 or time.monotonic() - t0 < seconds:
            responses(backend.predict(warm))
            n += 1
    except Exception as e:  # framework errors: wrong shape/dtype for this model
        raise ModelFileError(f"model {backend.model_path!r} cannot run samples ({describe_inputs(warm)}) from "
                             f"{qsl.description}: {e}") from e
    return n, time.monotonic() - t0


def expected_work(settings, scenario, mode, qsl):
    """(samples LoadGen will issue, expected seconds or None) of a test, from its settings."""
    if mode == "accuracy":
        return qsl.total_count, None
    min_ms = float(getattr(settings, "min_duration_ms", 0) or 0)
    min_q = int(getattr(settings, "min_query_count", 0) or 0)
    max_q = int(getattr(settings, "max_query_count", 0) or 0)
    if scenario == "Offline":
        qps = float(getattr(settings, "offline_expected_qps", 0) or 0)
        n = max(min_q, int(qps * min_ms / 1000 * 1.1))
    elif scenario == "Server":
        qps = float(getattr(settings, "server_target_qps", 0) or 0)
        n = max(min_q, int(qps * min_ms / 1000))
    else:
        attr = "single_stream_expected_latency_ns" if scenario == "SingleStream" else \
            "multi_stream_expected_latency_ns"
        lat_s = float(getattr(settings, attr, 0) or 0) / 1e9
        n = max(min_q, int(min_ms / 1000 / lat_s) if lat_s else 0)
        if scenario == "MultiStream":
            n *= int(getattr(settings, "multi_stream_samples_per_query", 8) or 8)
    if max_q and scenario != "MultiStream":
        n = min(n, max_q) if n else max_q
    if scenario in ("SingleStream", "MultiStream") and min_ms:
        return None, min_ms / 1000   # LoadGen stops at the minimum duration, not at the pre-generated count
    return n or None, (min_ms / 1000 if min_ms else None)


def run_job(job):
    """Run the one LoadGen test of ``job`` (a HarnessJob); return the run.json dict."""
    from . import loadgen_runner

    model = specs.harness_model(job.model)
    model.check_backend(job.backend)
    scenario = specs.scenario(job.scenario).name
    if job.mode not in specs.MODES:
        raise ConfigError(f"unknown mode {job.mode!r}; choices: {', '.join(specs.MODES)}")
    if job.mode == "accuracy" and model.performance_only:
        raise ConfigError(f"model {model.name} has random weights and is performance-only: "
                          "accuracy mode (and submission) is refused")
    batch_size = 1 if scenario == "SingleStream" else int(job.batch_size)  # one sample per query
    if batch_size < 1:
        raise ConfigError(f"batch size must be >= 1, got {job.batch_size}")
    audit_file = loadgen_runner.check_audit_config(job.audit_conf)
    if not os.path.isfile(job.user_conf):
        raise ConfigError(f"user.conf {job.user_conf!r} does not exist")
    lg = loadgen_runner.import_loadgen()
    settings = loadgen_runner.build_settings(lg, job.user_conf, model.loadgen_name, scenario, job.mode,
                                             job.mlperf_conf)
    if job.round:
        loadgen_runner.apply_round(settings, job.round, job.compliance_test)
    if job.mode == "performance" and scenario in ("Offline", "Server"):   # counts known before the run
        from .loadgen_memory import check_issued_samples
        check_issued_samples(expected_work(settings, scenario, job.mode, None)[0], scenario, model.name)

    from . import benchmarks
    from .assets import resolve
    benchmarks.check_batch_size(model, batch_size)
    model_path, dataset_dir = resolve(model, job.backend, job.dataset_dir, job.model_path)
    backend = benchmarks.get_backend(model, job.backend, job.device, job.threads)   # rnnt: its own
    io = benchmarks.backend_io(model, job.backend)   # a format's own tensor names (bert's TF graph)
    backend.load(model_path, io.get("input_name", model.input_name), io.get("output_name", model.output_name))
    backend = benchmarks.wrap_backend(model, backend)   # 3D-UNet: the sliding window over the 128^3 model
    psc = job.performance_sample_count or 1024
    qsl = make_qsl(model, dataset_dir, psc)
    responses = make_responses(model, qsl) if "response" not in io else benchmarks.responses(model, io, qsl)
    warm_n, warm_s = warm_up(backend, qsl, responses, batch_size, job.warmup_s)

    total, seconds = expected_work(settings, scenario, job.mode, qsl)
    with staging_dir(job.output_dir) as out:  # replaces output_dir only when the test finished
        shutil.copyfile(job.user_conf, os.path.join(out, "user.conf"))
        from .sut import make_sut
        sut = make_sut(scenario, lg, backend, qsl, responses, batch_size, job.workers)
        label = job.label or f"LoadGen {model.name} {scenario} {job.mode}"
        t0 = time.time()
        with sut.progress(label, total, seconds, job.mode):
            loadgen_runner.run_test(lg, sut, qsl, settings, out, audit_file)
        info = {
            "job": json.loads(job.to_json()),
            "model": model.name, "loadgen_model": model.loadgen_name, "scenario": scenario, "mode": job.mode,
            "performance_only": model.performance_only,
            "model_path": os.path.abspath(model_path),
            "model_sha256": sha256_file(model_path) if os.path.isfile(model_path) else None,
            "dataset_dir": os.path.abspath(dataset_dir) if dataset_dir else None,
            "qsl": {"total_count": qsl.total_count, "performance_count": qsl.performance_count,
                    "source": qsl.description},
            "backend": backend.describe(),
            "batch_size": batch_size, "threads": job.threads,
            "warmup": {"inferences": warm_n, "seconds": round(warm_s, 3), "bound_s": job.warmup_s},
            "server_workers": job.workers if scenario == "Server" else None,
            "response_dtype": np.dtype(responses.dtype).name, "response_width": responses.width,
            "loadgen_version": loadgen_runner.loadgen_version(),
            "audit_conf": os.path.abspath(job.audit_conf) if job.audit_conf else None,
            "samples_completed": sut.samples_done,
            "inference_errors": sut.errors[:10], "inference_error_count": len(sut.errors),
            "wall_time_s": round(time.time() - t0, 3),
            "host": _host_facts(),
        }
        write_json_atomic(os.path.join(out, RUN_JSON), info)
    return info


def _host_facts():
    from .hostfacts import host_facts
    return host_facts()


def _result(job, payload):
    if job is not None and job.result_file:
        write_json_atomic(job.result_file, payload)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m cmperf.mlperf.harness JOB.json  (a cmperf.mlperf.spec.HarnessJob)",
              file=sys.stderr)
        return 2
    job = None
    try:
        job = specs.HarnessJob.load(argv[0])
        info = run_job(job)
    except MlperfError as e:
        _result(job, {"ok": False, "kind": type(e).__name__, "error": str(e)})
        print(f"error: {e}", file=sys.stderr)
        return 2
    if info["inference_error_count"]:
        msg = (f"{info['inference_error_count']} inference batches failed, first: "
               f"{info['inference_errors'][0]}")
        _result(job, {"ok": False, "kind": "InferenceError", "error": msg})
        print(f"error: {msg}", file=sys.stderr)
        return 3
    _result(job, {"ok": True, "samples_completed": info["samples_completed"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
