"""Truncate oversized accuracy logs (logic in cmperf.submission.truncate_tree)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.submission import truncate_tree


@cm_hook
def preprocess(i):
    env = i["env"]
    sub = env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR", "")
    backup = env.get("CM_MLPERF_INFERENCE_ACCURACY_LOGS_BACKUP_DIR") or sub.rstrip("/") + "_logs"
    done = truncate_tree.truncate(sub, backup, env.get("CM_MLPERF_SUBMITTER") or None)
    env["CM_MLPERF_INFERENCE_ACCURACY_LOGS_BACKUP_DIR"] = backup
    print(f"truncated {len(done)} accuracy log(s); full logs in {backup}" if done
          else "every accuracy log is already within the size limit")
