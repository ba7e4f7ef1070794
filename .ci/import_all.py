"""Import every module of the checkout (cmperf.*, automation/*/module.py, script/*/customize.py).

Run by .ci/check-python-min.sh under the oldest Python that setup.py claims. A module that fails
only because an optional heavy package is absent (tensorflow, torch, deepsparse, ...; or, with
--stdlib-only, any third-party package) is reported as skipped; any other failure (a SyntaxError,
``float | None`` evaluated at import, a stdlib function that Python lacks) fails the run.
"""
import argparse
import importlib
import importlib.util
import os
import sys
import traceback

OPTIONAL = {"tensorflow", "torch", "torchvision", "deepsparse", "tflite_runtime", "openvino", "ray",
            "transformers", "tokenization", "pycocotools", "nibabel", "librosa", "sox", "docker"}


def modules(root):
    for d, dirs, files in os.walk(os.path.join(root, "cmperf")):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        rel = os.path.relpath(d, root).replace(os.sep, ".")
        for f in sorted(files):
            if f.endswith(".py") and f != "__main__.py":
                yield ("module", rel if f == "__init__.py" else f"{rel}.{f[:-3]}")
    for kind, name in (("automation", "module.py"), ("script", "customize.py")):
        base = os.path.join(root, kind)
        for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            path = os.path.join(base, entry, name)
            if os.path.isfile(path):
                yield ("file", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--stdlib-only", action="store_true", help="third-party packages are not installed")
    args = ap.parse_args()
    sys.path.insert(0, args.root)
    ok, skipped, failed = 0, [], []
    for kind, name in modules(args.root):
        try:
            if kind == "module":
                importlib.import_module(name)
            else:
                spec = importlib.util.spec_from_file_location(f"_cmperf_check_{abs(hash(name))}", name)
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            ok += 1
        except ModuleNotFoundError as e:
            top = (e.name or "").split(".")[0]
            if top in OPTIONAL or (args.stdlib_only and top and top != "cmperf"):
                skipped.append(f"{name} (needs {top})")
            else:
                failed.append(f"{name}: {traceback.format_exc(limit=-3)}")
        except BaseException:  # a SyntaxError, a TypeError from `X | None`, an AttributeError of the stdlib
            failed.append(f"{name}: {traceback.format_exc(limit=-3)}")
    print(f"python {sys.version.split()[0]}: {ok} modules imported, {len(skipped)} skipped, {len(failed)} failed")
    for s in skipped:
        print(f"  skipped {s}")
    for f in failed:
        print(f"FAILED {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
