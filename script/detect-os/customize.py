import sys

from cmperf.platform import facts_cache, os_info
from cmperf.platform.cm_hooks import hook, is_yes


def cache_fingerprint(i):
    return {"return": 0, "fingerprint": facts_cache.fingerprint()}


@hook
def preprocess(i):
    info, _ = os_info.detect_cached(refresh=is_yes(i["env"].get("CM_RENEW_CACHE_ENTRY")))
    i["env"].update(info.to_env())
    if not info.supported:
        print(f"detect-os: {info.flavor} {info.version} is detected but not supported by cmperf "
              "(Linux and macOS are); scripts that install packages will refuse to run.", file=sys.stderr)
