"""Where CM keeps its state: $CM_REPOS, else ~/CM (cmind's own rule)."""
import os


def cm_home():
    return os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
