"""Collect platform details (logic in cmperf.platform.platform_details)."""
import os

from cmperf.core.cm_hook import cm_hook
from cmperf.core.truth import is_true
from cmperf.platform import owned_file, platform_details


@cm_hook
def preprocess(i):
    env = i["env"]
    details = platform_details.collect(use_sudo=is_true(env.get("CM_PLATFORM_DETAILS_USE_SUDO")))
    i["state"]["platform_details"] = {title: text for title, _rc, text in details}
    path = os.path.join(env.get("CM_PLATFORM_DETAILS_DIR") or os.getcwd(), env["CM_PLATFORM_DETAILS_FILE_NAME"])
    env["CM_PLATFORM_DETAILS_FILE_PATH"] = owned_file.write(path, "get-platform-details",
                                                            platform_details.as_text(details))
