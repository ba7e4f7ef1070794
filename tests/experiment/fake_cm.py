"""Stands in for `cm run script --tags=run-mlperf,inference ...` until the MLPerf app lands: it
checks the arguments the DSE template passes and leaves a results directory in the architecture
layout with a real LoadGen run of the trivial SUT at the requested batch size."""
import json
import os
import subprocess
import sys

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
assert sys.argv[1:3] == ["run", "script"], sys.argv
assert "run-mlperf" in args["tags"] and args["scenario"] == "Offline", args
sut = os.path.join(args["results_dir"], f"fake-reference-{args['device']}-{args['backend']}")
run_dir = os.path.join(sut, args["model"], "offline", "performance", "run_1")
os.makedirs(run_dir)
with open(os.path.join(sut, "cm-sut-info.json"), "w") as f:
    json.dump({"framework": args["backend"], "device": args["device"]}, f)
tiny = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_loadgen.py")
sys.exit(subprocess.run([sys.executable, tiny, "--out", run_dir, "--batch", args["batch_size"]]).returncode)
