"""The request as the argument list of the `cm run script` inside the image, and its secrets.

The argument list is the cmind input written back as flags (sorted, so the same request gives the
same Containerfile). Secrets (tokens, passwords, keys) never enter the argument list: they travel
as environment variables of the run (`--env NAME`, the value taken from the engine's environment,
so it is not on any command line) and `cmperf.container.entry` puts them back into the request.
"""
import re

from .plan_source import request_input

SECRET_WORDS = re.compile(r"token|password|passwd|secret|api_key|apikey|access_key|credential", re.I)
SECRETS_VAR = "CMPERF_SECRET_INPUTS"      # comma-separated dotted input keys the entry point restores


def is_secret(key):
    return bool(SECRET_WORDS.search(key))


def _flags(prefix, value):
    if isinstance(value, dict):
        out = []
        for k in sorted(value):
            out += _flags(f"{prefix}.{k}", value[k])
        return out
    if value is True:
        return [f"--{prefix}"]
    if value is False:
        return [f"--{prefix}-"]
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [f"--{prefix},=" + ",".join(str(v) for v in value)]
    return [f"--{prefix}={value}"]


def split_secrets(i):
    """(request without secrets, {dotted key: value}) for a cmind input dict."""
    public, secrets = {}, {}

    def walk(src, dst, path):
        for k, v in src.items():
            key = f"{path}.{k}" if path else k
            if isinstance(v, dict):
                dst[k] = {}
                walk(v, dst[k], key)
            elif is_secret(k) and v not in (None, "", False, True):
                secrets[key] = str(v)
            else:
                dst[k] = v
    walk(request_input(i), public, "")
    return public, secrets


def run_args(i):
    """`run script ...` arguments (no secrets) for a cmind input dict; secrets returned apart."""
    public, secrets = split_secrets(i)
    args = ["run", "script"]
    artifact = public.pop("artifact", "")
    if artifact:
        args.append(str(artifact))
    for extra in public.pop("artifacts", []) or []:
        args.append(str(extra))
    tags = public.pop("tags", "")
    if isinstance(tags, (list, tuple)):
        tags = ",".join(tags)
    if tags:
        args.append(f"--tags={tags}")
    public.setdefault("quiet", True)        # nobody answers a prompt inside the image
    for key in sorted(public):
        args += _flags(key, public[key])
    return args, secrets


def secret_env_name(dotted):
    """The environment variable a secret input travels in: CMPERF_SECRET_<KEY>."""
    return "CMPERF_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", dotted).upper()
