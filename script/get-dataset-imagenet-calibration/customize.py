"""Find the calibration list (logic in cmperf.submission.calibration)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.submission import calibration


@cm_hook
def preprocess(i):
    env = i["env"]
    path, n = calibration.calibration_list(env.get("CM_MLPERF_INFERENCE_SOURCE", ""), "imagenet",
                                           env["CM_MLPERF_IMAGENET_CALIBRATION_FILE"])
    env["CM_MLPERF_IMAGENET_CALIBRATION_LIST_FILE_WITH_PATH"] = path
    print(f"ImageNet calibration list (option {env['CM_MLPERF_IMAGENET_CALIBRATION_OPTION']}): {n} images")
