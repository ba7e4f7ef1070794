"""The reference harness: one LoadGen test (QSL + SUT) of one model/backend/scenario/mode.

  python -m cmperf.mlperf.harness --model digits-mlp --backend onnxruntime --scenario Offline \
      --mode performance --user-conf user.conf --output-dir DIR [--dataset-dir D] [--model-path P] \
      [--batch-size N] [--threads N] [--workers N] [--audit-conf PATH] [--mlperf-conf PATH]

Writes LoadGen's logs, a verbatim copy of user.conf and ``run.json`` (command, backend and
versions, thread settings, batch size, host facts) into a temp dir next to the output dir, which
replaces the output dir only once the test has finished (a killed run leaves the old one intact). Exit codes: 0 done (also
for an INVALID result, which the log parser reports), 2 bad input, 3 inference errors.
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

from . import registry
from .errors import ConfigError, DatasetError, MlperfError, ModelFileError
from ..filehash import sha256_file
from .fsutil import staging_dir, write_json_atomic

RUN_JSON = "run.json"


def _parse(argv):
    ap = argparse.ArgumentParser(prog="python -m cmperf.mlperf.harness", description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--backend", default="onnxruntime")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--mode", default="performance")
    ap.add_argument("--user-conf", required=True)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--dataset-dir")
    ap.add_argument("--model-path")
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--workers", type=int, default=1, help="Server scenario worker threads")
    ap.add_argument("--audit-conf", help="compliance runs only: the TEST0x audit.config")
    ap.add_argument("--mlperf-conf", help="only for LoadGen < 4.1, which has no built-in mlperf.conf")
    ap.add_argument("--round", help="MLPerf round (e.g. v3.1) whose RNG seeds replace the built-in ones")
    ap.add_argument("--compliance-test", choices=("TEST01", "TEST04", "TEST05"),
                    help="with --round: the compliance test whose own settings (TEST05 seeds) apply")
    ap.add_argument("--warmup", type=int, default=3, help="untimed inferences before the LoadGen test")
    ap.add_argument("--performance-sample-count", type=int, default=1024,
                    help="QSL performance sample count (mlperf.conf's 1024 for resnet50)")
    return ap.parse_args(argv)


def make_qsl(spec, dataset_dir, performance_sample_count):
    from .qsl import ArrayQSL, PooledQSL

    if spec["name"] == "resnet50-random" and dataset_dir is None:
        from .models import resnet50_random
        pool = resnet50_random.random_inputs(16)
        return PooledQSL(pool, 1024, performance_sample_count, "seeded random images (timing only)")
    if spec.get("qsl") == "squad":
        from .squad.errors import SquadError
        from .squad.qsl import SquadQSL
        try:
            return SquadQSL(dataset_dir, performance_sample_count=performance_sample_count)
        except SquadError as e:
            raise DatasetError(str(e)) from e
    return ArrayQSL.from_dir(dataset_dir, performance_sample_count)


def describe_inputs(batch):
    """'float32 [1, 64]' or 'input_ids int64 [384], ...': what one sample feeds the model."""
    if isinstance(batch, dict):
        return ", ".join(f"{name} {a.dtype} {list(a.shape[1:])}" for name, a in batch.items())
    return f"{batch.dtype} {list(batch.shape[1:])}"


def run(args):
    """Run one test as described by parsed ``args``; return the run.json dict."""
    from . import loadgen_runner
    from .backends import get_backend
    from .responses import for_spec

    spec = registry.harness_spec(args.model)
    registry.check_backend(spec, args.backend)
    scenario = registry.check_scenario(args.scenario)
    mode = registry.check_mode(args.mode)
    if mode == "accuracy" and spec.get("performance_only"):
        raise ConfigError(f"model {spec['name']} has random weights and is performance-only: "
                          "accuracy mode (and submission) is refused")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    audit_file = loadgen_runner.check_audit_config(args.audit_conf)
    if not os.path.isfile(args.user_conf):
        raise ConfigError(f"user.conf {args.user_conf!r} does not exist")
    lg = loadgen_runner.import_loadgen()

    from .assets import resolve
    model_path, dataset_dir = resolve(spec, args.backend, args.dataset_dir, args.model_path)
    backend = get_backend(args.backend, args.device, args.threads)
    backend.load(model_path, spec.get("input_name"), spec.get("output_name"))
    qsl = make_qsl(spec, dataset_dir, args.performance_sample_count)
    responses = for_spec(spec, getattr(qsl, "max_seq_length", None))
    if scenario == "SingleStream" and args.batch_size != 1:
        args.batch_size = 1  # one sample per query: a bigger (padded) batch would only add latency
    try:
        # warm-up outside LoadGen's clock: first runs pay for allocations and thread-pool start-up
        warm = qsl.batch([i % qsl.total_count for i in range(args.batch_size)])
        for _ in range(max(1, args.warmup)):
            responses(backend.predict(warm))
    except Exception as e:  # framework errors: wrong shape/dtype for this model
        raise ModelFileError(f"model {model_path!r} cannot run samples ({describe_inputs(warm)}) from "
                             f"{qsl.description}: {e}") from e

    settings = loadgen_runner.build_settings(lg, args.user_conf, spec["loadgen_name"], scenario, mode,
                                             args.mlperf_conf)
    if args.round:
        loadgen_runner.apply_round(settings, args.round, args.compliance_test)
    with staging_dir(args.output_dir) as out:  # replaces --output-dir only when the test finished
        info = _run_in(out, args, lg, settings, spec, scenario, mode, backend, qsl, responses, model_path,
                       dataset_dir, audit_file)
    return info


def _run_in(out, args, lg, settings, spec, scenario, mode, backend, qsl, responses, model_path, dataset_dir,
            audit_file):
    from . import loadgen_runner
    from .hostfacts import host_facts
    from .sut import make_sut

    shutil.copyfile(args.user_conf, os.path.join(out, "user.conf"))
    sut = make_sut(scenario, lg, backend, qsl, responses, args.batch_size, args.workers)
    t0 = time.time()
    loadgen_runner.run_test(lg, sut, qsl, settings, out, audit_file)
    info = {
        "command": [sys.executable, "-m", "cmperf.mlperf.harness"] + list(args.argv),
        "model": spec["name"], "loadgen_model": spec["loadgen_name"], "scenario": scenario, "mode": mode,
        "performance_only": bool(spec.get("performance_only")),
        "model_path": os.path.abspath(model_path),
        "model_sha256": sha256_file(model_path) if os.path.isfile(model_path) else None,
        "dataset_dir": os.path.abspath(dataset_dir) if dataset_dir else None,
        "qsl": {"total_count": qsl.total_count, "performance_count": qsl.performance_count,
                "source": qsl.description},
        "backend": backend.describe(),
        "batch_size": args.batch_size, "threads": args.threads, "warmup_inferences": max(1, args.warmup),
        "server_workers": args.workers if scenario == "Server" else None,
        "response_dtype": np.dtype(responses.dtype).name, "response_width": responses.width,
        "loadgen_version": loadgen_runner.loadgen_version(),
        "audit_conf": os.path.abspath(args.audit_conf) if args.audit_conf else None,
        "samples_completed": sut.samples_done,
        "inference_errors": sut.errors[:10], "inference_error_count": len(sut.errors),
        "wall_time_s": round(time.time() - t0, 3),
        "host": host_facts(),
    }
    write_json_atomic(os.path.join(out, RUN_JSON), info)
    return info


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    args.argv = argv
    try:
        info = run(args)
    except MlperfError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if info["inference_error_count"]:
        print(f"error: {info['inference_error_count']} inference batches failed, first: "
              f"{info['inference_errors'][0]}", file=sys.stderr)
        return 3
    print(json.dumps({k: info[k] for k in ("model", "scenario", "mode", "samples_completed")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
