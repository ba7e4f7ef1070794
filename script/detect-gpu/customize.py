import sys

from cmperf.platform import facts_cache, gpu_info
from cmperf.platform.cm_hooks import hook, is_yes


def cache_fingerprint(i):
    return {"return": 0, "fingerprint": facts_cache.fingerprint()}


@hook
def preprocess(i):
    info, _ = gpu_info.detect_cached(refresh=is_yes(i["env"].get("CM_RENEW_CACHE_ENTRY")))
    i["env"].update(info.to_env())
    for note in info.notes:
        print(f"detect-gpu: {note}", file=sys.stderr)
