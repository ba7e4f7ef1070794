"""Clone, copy the tree in, commit, push (logic in cmperf.submission.push_results)."""
import os
import tempfile

from cmperf.core.cm_hook import cm_hook
from cmperf.submission import push_results


@cm_hook
def preprocess(i):
    env = i["env"]
    source = env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR", "")
    push_results.validate(source, env.get("CM_MLPERF_RESULTS_GIT_REPO_URL", ""))
    with tempfile.TemporaryDirectory(prefix="cmperf-push-") as work:
        head = push_results.push(source, env["CM_MLPERF_RESULTS_GIT_REPO_URL"], work,
                                 env.get("CM_MLPERF_RESULTS_REPO_COMMIT_MESSAGE") or "Added new results",
                                 env.get("CM_GIT_BRANCH") or None)
    env["CM_MLPERF_RESULTS_PUSHED_COMMIT"] = head or ""
    print(f"pushed {head} to {env['CM_MLPERF_RESULTS_GIT_REPO_URL']}" if head else "nothing new to push")


@cm_hook
def plan(i):
    """Refuse a missing --repo_url before anything runs; say what will be pushed where."""
    url = i["env"].get("CM_MLPERF_RESULTS_GIT_REPO_URL", "")
    if not url:
        raise push_results.PushError("no repository given: pass --repo_url=<git URL of your fork or results repository>")
    return {"actions": [{"kind": "note", "text": f"clone {url}, copy the submission tree in, commit and push"}]}
