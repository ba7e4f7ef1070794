"""`cm docker script` / `--docker` and `build,dockerfile`, step by step: validate everything that can
be validated (flags, the plan, the engine, the base image, host paths) before building or running.
"""
import os
import platform
import shlex
import subprocess
import sys

from ..core.home import cm_home
from ..core.truth import is_true
from ..platform.sys_packages import os_package_name
from . import command, containerfile, context, engine as engine_mod, mounts as mounts_mod, options, pins, \
    plan_source, runline, verify
from .errors import ContainerError, RunFailed

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _installs(view):
    """One line per install step of the plan: which script asks for which package."""
    lines = set()
    for n in view.nodes:
        for a in n["actions"]:
            if a.get("kind") in ("pip", "apt"):
                words = "".join(" _" + v for v in n["variations"])
                lines.add(f"{a['kind']} {a.get('package', '?')}{a.get('spec') or ''}  <- {n['script']}{words}")
    return sorted(lines)


def image_spec(i, opts, installed=pins.host_distribution):
    """(ImageSpec, PipSet, PlanView) of a request: everything the Containerfile says, no side effects."""
    view = plan_source.load(i)
    pipset = pins.for_plan(view, CHECKOUT, installed)
    args, _ = command.run_args(i)
    apt = sorted({p for p in (os_package_name(a.get("package", ""), "apt") for a in view.actions("apt")) if p})
    spec = containerfile.ImageSpec(base_image=opts.base, request_args=args,
                                   plan_summary=_installs(view), apt=apt,
                                   pip=pipset.requirement_lines() + [c for c in pipset.constraint_lines()
                                                                     if c.split("==")[0] not in pipset.requirements],
                                   unpinned=[n for n in pipset.unpinned if n in pipset.requirements])
    return spec, pipset, view


def dockerfile(i, out_dir):
    """Write only out_dir/Containerfile for the request; returns its path."""
    opts = options.from_input(i)
    spec, _, _ = image_spec(i, opts)
    return context.write_containerfile(os.path.abspath(out_dir), containerfile.render(spec))


def _root_meta(script):
    from ..engine.index import ScriptIndex
    return next((s.meta for s in ScriptIndex.load().scripts if s.alias == script), {})


def _say(out, text):
    print(f"cmperf docker: {text}", file=out, flush=True)


def docker(i, out=sys.stdout):
    """Build (or reuse) the image of the request's plan and run the request in it."""
    opts = options.from_input(i)
    spec, pipset, view = image_spec(i, opts)
    text = containerfile.render(spec)
    from ..engine.request import parse_input
    requested = parse_input(plan_source.request_input(i)).variations
    meta = _root_meta(view.script)
    mounts, run_input, created = mounts_mod.plan(i, meta.get("input_mapping", {}) or {}, requested,
                                                 opts.cache_dir, opts.mounts)
    args, secrets = command.run_args(run_input)
    inner = "cm " + " ".join(shlex.quote(a) for a in args)
    if is_true(i.get("plan")) or is_true(i.get("dry_run")):
        # --plan with --docker: what would be built and run, nothing built, run or created.
        print(text, file=out)
        for m in mounts:
            _say(out, f"would mount {m.arg()}" + (" (to be created)" if m.host in created else ""))
        _say(out, f"would run in the image: {inner}")
        return {"containerfile_text": text, "mounts": [m.arg() for m in mounts], "command": inner}
    eng = engine_mod.detect(opts.container_tool)
    _say(out, f"engine {eng.tool} ({eng.path})" + (f", {eng.note}" if eng.note else ""))
    engine_mod.check_base_image(eng, opts.base, opts.pull)

    folder = os.path.abspath(opts.path) if opts.path else \
        os.path.join(cm_home(), "cmperf", "containers", f"cmperf-{view.script}")
    if opts.noregenerate and os.path.isfile(os.path.join(folder, "Containerfile")):
        with open(os.path.join(folder, "Containerfile"), encoding="utf-8") as f:
            text = f.read()
        _say(out, f"keeping {folder}/Containerfile (--docker_noregenerate)")
    digest = context.assemble(folder, text, CHECKOUT, owned=not opts.path)
    image = f"{opts.image_repo}/{opts.image_name or 'cmperf-' + view.script}:{opts.image_tag or digest[:12]}"
    commands = []
    if eng.image_exists(image) and opts.build_cache:
        _say(out, f"reusing image {image} (built from the same Containerfile and source)")
    elif opts.skip_build:
        raise ContainerError(f"image {image} does not exist and --docker_skip_build forbids building it")
    else:
        _say(out, f"building {image} from {folder}/Containerfile")
        commands.append(f"{eng.tool} build --network=host --force-rm -f {folder}/Containerfile -t {image} {folder}")
        engine_mod.build(eng, folder, image, no_cache=not opts.build_cache)
    # Checked before every run, not only after a build: an image that failed the check is never used.
    if not opts.skip_verify:
        inv = verify.check(eng, image, pipset)
        host_py = ".".join(platform.python_version_tuple()[:2])
        note = "" if str(inv.get("python", "")).startswith(host_py + ".") else \
            f"; this machine runs python {platform.python_version()}: choose --docker_os_version to match"
        _say(out, f"verified: {len(pipset.pins)} pip packages inside equal the plan's "
                  f"(python {inv.get('python')}{note})")
    size = eng.image_size(image)
    if size:
        _say(out, f"image size {size / 1e6:.0f} MB")

    if opts.gh_token:
        secrets.setdefault("gh_token", opts.gh_token)
    run, secret_env = runline.run_line(eng, opts, mounts, image, args, secrets, os.getcwd())
    for path in created:                    # the folders a native run would create, now that all checks passed
        os.makedirs(path, exist_ok=True)
    for m in mounts:
        _say(out, f"mount {m.arg()}" + (" (created)" if m.host in created else ""))
    if opts.interactive:
        _say(out, f"interactive shell in {image}; the request is: {inner}")
    commands.append(f"{eng.tool} " + " ".join(shlex.quote(a) for a in run))
    if opts.save_script:
        from ..core.atomic import write_text
        write_text(opts.save_script, "#!/bin/sh\nset -e\n" + "\n".join(commands) + "\n")
    if opts.interactive:
        rc = subprocess.call([eng.path, *run], env=eng.environ(secret_env))
        return {"image": image, "containerfile": os.path.join(folder, "Containerfile"), "exit_code": rc}
    _say(out, f"running {inner}")
    rc, tail = engine_mod.stream(eng, run, extra_env=secret_env, out=out)
    if rc != 0:
        shown = "\n".join("    " + x for x in tail)
        raise RunFailed(f"the run inside {image} failed (exit code {rc})\n  command: {inner}\n"
                        f"  last {len(tail)} lines of its output:\n{shown}",
                        hint=f"open a shell in the same image with --docker_it; its Containerfile is {folder}/Containerfile")
    result = {"image": image, "containerfile": os.path.join(folder, "Containerfile"), "exit_code": 0,
              "mounts": [m.arg() for m in mounts]}
    if opts.detached:
        result["container_id"] = tail[-1].strip() if tail else ""
    for key in ("results_dir", "submission_dir"):
        if run_input.get(key):
            result[key] = run_input[key]
    return result
