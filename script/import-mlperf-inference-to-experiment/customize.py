"""Import a results summary into a CM repository (logic in cmperf.report.import_summary)."""
import os
import tempfile

from cmperf.core.cm_hook import cm_hook
from cmperf.report import import_summary as imp


@cm_hook
def preprocess(i):
    env = i["env"]
    target = imp.find_repo(env.get("CM_IMPORT_MLPERF_INFERENCE_TARGET_REPO", ""))
    rnd = env.get("CM_MLPERF_SUBMISSION_ROUND")
    submitter = env.get("CM_MLPERF_SUBMITTER")
    name = env.get("CM_IMPORT_MLPERF_INFERENCE_NAME")
    summary = env.get("CM_MLPERF_INFERENCE_SUMMARY_CSV")
    if summary or env.get("CM_MLPERF_SKIP_SUBMISSION_CHECKER") == "yes":
        path = imp.import_summary(summary or os.path.join(os.getcwd(), "summary.csv"), target, rnd, submitter, name)
    else:
        results = env.get("CM_MLPERF_INFERENCE_RESULTS_PATH")
        if not results:
            raise imp.DataError("import-mlperf-inference-to-experiment: pass --results_dir=<raw results tree> "
                                "(or --summary_csv / _skip_checker with an existing summary.csv)")
        if not rnd:
            raise imp.DataError("import-mlperf-inference-to-experiment: --round is needed to run the checker")
        with tempfile.TemporaryDirectory(prefix="cmperf-checker-") as tmp:
            summary = imp.checker_summary(env["CM_MLPERF_INFERENCE_SOURCE"], results, rnd, tmp)
            path = imp.import_summary(summary, target, rnd, submitter, name)
    env["CM_MLPERF_INFERENCE_IMPORTED_PATH"] = path


def postprocess(i):
    return {"return": 0}


@cm_hook
def plan(i):
    """The target repository and a given summary are checked before anything runs."""
    env = i["env"]
    target = imp.find_repo(env.get("CM_IMPORT_MLPERF_INFERENCE_TARGET_REPO", ""))
    summary = env.get("CM_MLPERF_INFERENCE_SUMMARY_CSV")
    if summary and not os.path.isfile(summary):
        raise imp.DataError(f"results summary not found: {summary}")
    return {"actions": [{"kind": "note", "text": f"import a results summary into {target}/experiment/"}]}
