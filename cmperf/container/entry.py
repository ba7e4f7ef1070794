"""The image's entry point: `cm <args>` with the run's secret inputs put back from the environment.

`python -m cmperf.container.entry run script --tags=...` parses the arguments with cmind's own
parser, restores each input named in $CMPERF_SECRET_INPUTS from $CMPERF_SECRET_<KEY> (so a token
is never part of the image or of a command line), then calls cmind exactly as `cm` does.
"""
import os
import sys

from .command import SECRETS_VAR, secret_env_name


def with_secrets(cm_input, environ=os.environ):
    for dotted in filter(None, environ.get(SECRETS_VAR, "").split(",")):
        value = environ.get(secret_env_name(dotted))
        if value is None:
            continue
        *parents, last = dotted.split(".")
        node = cm_input
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return cm_input


def main(argv=None):
    import cmind.cli
    from cmind.core import CM
    argv = sys.argv[1:] if argv is None else argv
    r = cmind.cli.parse(argv)
    if r["return"] > 0:
        print(f"CM error: {r['error']}", file=sys.stderr)
        return r["return"]
    cm = CM()
    r = cm.access(with_secrets(r["cm_input"]), out="con")
    if r["return"] > 0:
        cm.error(r)
    return r["return"]


if __name__ == "__main__":
    sys.exit(main())
