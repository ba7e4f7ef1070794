"""Describe the SUT (logic in cmperf.submission.sut_meta)."""
import socket

from cmperf.core.cm_hook import cm_hook
from cmperf.submission import sut_meta


@cm_hook
def preprocess(i):
    env = i["env"]
    env["CM_HW_NAME"] = env.get("CM_HW_NAME") or socket.gethostname()
    desc, missing = sut_meta.describe(env["CM_HW_NAME"], env["CM_MLPERF_SUBMISSION_DIVISION"],
                                      env["CM_MLPERF_SUBMITTER"], env["CM_MLPERF_SUBMISSION_SYSTEM_TYPE"],
                                      env.get("CM_MLPERF_SYSTEM_JSON", ""))
    i["state"]["CM_SUT_META"] = desc
    env["CM_MLPERF_SUT_DESCRIPTION_MISSING"] = ",".join(missing)
    if missing:
        print(f"system description of {env['CM_HW_NAME']}: a submission also needs {', '.join(missing)} "
              "(give them with --system_json)")
