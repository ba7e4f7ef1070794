"""The engine's `run` command line for a request: mounts, user, secrets by name only, devices, workdir."""
from . import command
from .mounts import user_args


def run_line(eng, opts, mounts, image, args, secrets, cwd, euid=None, egid=None):
    """(engine arguments, environment holding the secrets' values) for `ENGINE run ...`."""
    secret_env = {command.secret_env_name(k): v for k, v in secrets.items()}
    run = ["run", "--network=host"] + ([] if opts.keep_alive or opts.detached else ["--rm"])
    run += ["-it"] if opts.interactive else ["-d"] if opts.detached else []
    run += user_args(eng, euid, egid)
    for m in mounts:
        run += ["-v", m.arg()]
    if secrets:
        run += ["-e", f"{command.SECRETS_VAR}={','.join(sorted(secrets))}"]
        for name in sorted(secret_env):
            run += ["-e", name]                     # NAME alone: the engine copies the value from its environment
    if opts.all_gpus:
        run += ["--gpus", "all"] if eng.tool == "docker" else ["--device", "nvidia.com/gpu=all"]
    if opts.device:
        run += ["--device", opts.device]
    if opts.shm_size:
        run += ["--shm-size", opts.shm_size]
    # The native run's working directory when the container sees it (a mount holds it), else the image's:
    # runc refuses a working directory that does not exist in the container.
    if any(cwd == m.container or cwd.startswith(m.container.rstrip("/") + "/") for m in mounts):
        run += ["-w", cwd]
    run += list(opts.extra_run_args)
    run += ["--entrypoint", "bash", image] if opts.interactive else [image, *args]
    return run, secret_env
