"""The deliberate refusals of published command lines: reason -> (pattern of the error, why).

docs/compat.md lists the same reasons for users; a corpus line marked `refuse:<reason>` must fail
with an error matching the pattern, so a refusal that turns into a vague error fails the test.
"""
import re

REFUSALS = {
    "implementation": (
        r"(--implementation|variation _(cpp|tflite-cpp|nvidia|intel|qualcomm)\b.*not defined)",
        "cmperf has the MLCommons reference (Python) implementation only; vendor and C++ implementations "
        "(cpp, tflite-cpp, nvidia-original, intel, qualcomm) are not provided"),
    "gui": (
        r"(no script matches all the tags \(tags gui\b|gui)",
        "the streamlit GUIs (`gui`, `gui _graph`, `gui _playground`) are not part of cmperf: use "
        "`python -m cmperf.report` for tables and charts"),
    "power": (
        r"power",
        "power measurement needs an MLPerf power analyzer and its director (PTDaemon); cmperf refuses "
        "`--power=yes` before anything runs instead of producing a result without power"),
    "dashboard": (
        r"(dashboard|W&B|wandb)",
        "results are not pushed to a W&B dashboard; cmperf refuses `--dashboard` and `_dashboard`"),
    "retired-tags": (
        r"no script matches all the tags",
        "a retired tag set no current script carries; the error lists the closest current scripts. The 2022 "
        "tutorials' `get,ml-model-onnx,resnet50` and `get,onnxruntime,python-lib` plan (get-ml-model-resnet50-onnx "
        "and get-onnxruntime-python-lib ask today's scripts for exactly that), and the v2.1-era vision app's "
        "`app,mlperf,inference,reference,python` finds app-mlperf-inference"),
    "mobilenet-tflite": (
        r"(mobilenet|tflite)",
        "the MobileNet/EfficientNet open-division runs use the TFLite C++ implementation (tflite-cpp); "
        "cmperf has no TFLite backend, so `run mobilenet-models _tflite` is refused naming what is missing"),
    "unquoted-words": (
        r"no script has the alias or uid 'run'",
        "a results README printed `cm run script run mobilenet-models _tflite ...`: the quotes of the "
        "`cmr \"run mobilenet-models ...\"` that was run were lost; as printed, the first word is a script "
        "alias for upstream CM and cmperf alike, and the error lists the closest script"),
    "system-fields": (
        r"a submission needs system field\(s\) no detection can know",
        "a valid `_submission` needs the system description fields no detection can know (status, "
        "cooling, storage, networking, ...); upstream fills them with placeholders the checker then "
        "rejects, cmperf asks for them (`--system_json=FILE`) before the benchmark runs"),
    "test-submission": (
        r"_submission with --execution_mode=test",
        "a `_submission` run in test mode (a few queries; upstream's CI and tutorials do it with `_short`) "
        "is not a benchmark result and its tree cannot pass the checker: refused at plan time naming "
        "`--execution_mode=valid`, or `--test_submission=yes` to write the tree anyway"),
    "retired-flags": (
        r"--add_deps_tags\.\S+ \(v2\.1-era CM's --adr\.\S+\.tags\): no dependency",
        "`--add_deps_tags.NAME=TAGS` of v2.1-era commands is today's `--adr.NAME.tags=TAGS` (applied so, with a "
        "plan note); a NAME no dependency of the workflow has is refused instead of being silently dropped"),
    "precision": (
        r"precision for \S+ on \S+ 'int8'",
        "--precision picks a published model file per model and backend; an int8 ResNet-50 for DeepSparse "
        "is not one of them (the line's SparseZoo stub is a custom model), so the request is refused naming "
        "the precisions that exist"),
    "round": (
        r"round",
        "cmperf has the rules of the MLPerf Inference rounds it names in the error (v3.1, v4.0, v4.1, "
        "v5.0, v5.1, v6.1); a run or submission for another round would be checked against the wrong rules"),
    "calibration": (
        r"_r5\.1 in the closed or network division: .*calibration\.md",
        "the v5.1 checker requires a calibration.md of the closed/network submitter, a document the "
        "submitter writes; cmperf checks it but cannot write it, so `_r5.1` plans in the open division only"),
}


def matches(reason, error):
    pattern, _why = REFUSALS[reason]
    return re.search(pattern, error, re.IGNORECASE) is not None
