"""A real LoadGen run against a trivial SUT, for tests: `python tiny_loadgen.py --scenario Offline
--out DIR [--batch N] [--fail]`. Its latency is a sleep (1 ms per batch + 0.02 ms per sample), so
larger batches genuinely raise Offline throughput; no model is involved."""
import argparse
import os
import sys
import threading
import time

import mlperf_loadgen as lg

p = argparse.ArgumentParser()
p.add_argument("--scenario", default="Offline")
p.add_argument("--out", required=True)
p.add_argument("--batch", type=int, default=1)
p.add_argument("--fail", action="store_true", help="exit 3 before running, like a broken benchmark")
args = p.parse_args()
if args.fail:
    print("tiny_loadgen: asked to fail", file=sys.stderr)
    sys.exit(3)
os.makedirs(args.out, exist_ok=True)


def work(samples):
    for i in range(0, len(samples), args.batch):
        chunk = samples[i:i + args.batch]
        time.sleep(0.001 + 0.00002 * len(chunk))
        lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, 0, 0) for s in chunk])


def issue(samples):
    threading.Thread(target=work, args=(samples,)).start()


sut = lg.ConstructSUT(issue, lambda: None)
qsl = lg.ConstructQSL(256, 256, lambda s: None, lambda s: None)
ts = lg.TestSettings()
ts.scenario = getattr(lg.TestScenario, args.scenario)
ts.mode = lg.TestMode.PerformanceOnly
ts.min_duration_ms = 100
ts.min_query_count = 64
ts.offline_expected_qps = 2000
ts.single_stream_expected_latency_ns = 1000000
ts.multi_stream_expected_latency_ns = 1500000
log = lg.LogOutputSettings()
log.outdir = args.out
settings = lg.LogSettings()
settings.log_output = log
lg.StartTestWithLogSettings(sut, qsl, ts, settings)
lg.DestroyQSL(qsl)
lg.DestroySUT(sut)
