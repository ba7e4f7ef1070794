from cmperf.container import workflow
from cmperf.core.cm_hook import cm_hook
from cmperf.core.errors import CmperfError

OWN_INPUTS = ("script_tags", "out_dir", "tags", "artifact", "artifacts")


@cm_hook
def preprocess(i):
    env = i["env"]
    tags = env.get("CM_DOCKERFILE_SCRIPT_TAGS", "")
    if not tags:
        raise CmperfError("build-dockerfile: --script_tags is required (the tags of the script the image runs)",
                          hint="e.g. cm run script --tags=build,dockerfile --script_tags=run-mlperf,inference --out_dir=.")
    request = {k: v for k, v in i["input"].items() if k not in OWN_INPUTS}
    request["tags"] = tags
    path = workflow.dockerfile(request, env.get("CM_DOCKERFILE_OUT_DIR") or ".")
    env["CM_DOCKERFILE_PATH"] = path
    print(f"Containerfile written: {path}")
