"""Fetch a registered model or dataset file from its official URL, verified by md5.

  python -m cmperf.mlperf.fetch --model resnet50 [--format onnx] --out DIR [--from LOCAL_FILE]
  python -m cmperf.mlperf.fetch --dataset imagenet-aux --out DIR
  python -m cmperf.mlperf.fetch --model retinanet --format accuracy-script --out DIR

The file is downloaded to a temp name next to its destination and renamed only after its md5
matches the registry (cm-conventions.md tables), so an interrupted or corrupt download never
looks finished. ``--from`` takes a local copy instead (the offline path). An existing file with
the right md5 is reused.
"""
import argparse
import os
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request

from . import registry
from .errors import DatasetError, MlperfError, ModelFileError, UnknownChoiceError
from ..filehash import md5_file


def source_of(model=None, fmt=None, dataset=None):
    """(urls, md5, file_name) of a registered model format (or its "accuracy-script") or dataset."""
    if model and fmt == "accuracy-script":
        spec = registry.model_spec(model)
        url = spec.get("accuracy_script")
        if not url:
            raise ModelFileError(f"model {spec['name']} has no official accuracy script in the registry"
                                 + (f"; use {spec['accuracy_module']}" if spec.get("accuracy_module") else ""))
        return [url], None, os.path.basename(urllib.parse.urlparse(url).path)
    if model:
        spec = registry.model_spec(model)
        fmt = fmt or next(iter(spec["formats"]))
        if fmt not in spec["formats"]:
            raise UnknownChoiceError(f"format of model {spec['name']}", fmt, spec["formats"])
        entry = spec["formats"][fmt]
        what = f"model {spec['name']} ({fmt})"
    else:
        if dataset not in registry.DATASETS:
            raise UnknownChoiceError("dataset", dataset, registry.DATASETS)
        entry = registry.DATASETS[dataset]
        what = f"dataset {dataset}"
    urls = [u for u in (entry.get("primary_url"), entry.get("url")) if u]
    if not urls:
        raise DatasetError(f"{what} has no download URL in the registry: "
                           f"{entry.get('note') or entry.get('source') or entry.get('git') or 'supply it yourself'}")
    name = os.path.basename(urllib.parse.urlparse(urls[-1]).path)
    return urls, entry.get("md5"), name


def _download(url, dest_tmp, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r, open(dest_tmp, "wb") as f:
        shutil.copyfileobj(r, f, 1 << 20)


def fetch(out_dir, model=None, fmt=None, dataset=None, local=None, urls=None, timeout=60):
    """Place the verified file in ``out_dir``; return its path."""
    reg_urls, md5, name = source_of(model, fmt, dataset)
    urls = urls or reg_urls
    os.makedirs(out_dir, exist_ok=True)
    dest = os.path.join(out_dir, name)
    if os.path.isfile(dest) and (md5 is None or md5_file(dest) == md5):
        return dest
    err_cls = ModelFileError if model else DatasetError
    failures = []
    sources = [("local", local)] if local else [("url", u) for u in urls]
    for kind, src in sources:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=out_dir)
        os.close(fd)
        try:
            if kind == "local":
                if not os.path.isfile(src):
                    raise err_cls(f"local file {src!r} does not exist")
                shutil.copyfile(src, tmp)
            else:
                _download(src, tmp, timeout)
            got = md5_file(tmp)
            if md5 and got != md5:
                raise err_cls(f"{src}: md5 {got} does not match the registry's {md5} for {name}")
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
            return dest
        except MlperfError as e:
            failures.append(str(e))
        except OSError as e:  # network errors, HTTP errors, disk errors
            failures.append(f"{src}: {e}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise err_cls(f"could not fetch {name}:\n  " + "\n  ".join(failures) +
                  "\n  (offline? pass --from with a local copy)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--model")
    g.add_argument("--dataset")
    ap.add_argument("--format", help="model format, e.g. onnx, onnx-opset8, tf, pytorch; or accuracy-script "
                                     "(the official accuracy script of the model, pinned to inference v3.1)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--from", dest="local", help="use this local file instead of downloading")
    ap.add_argument("--url", action="append", help="mirror URL(s) to try instead of the registry's")
    a = ap.parse_args(argv)
    try:
        print(fetch(a.out, a.model, a.format, a.dataset, a.local, a.url))
    except MlperfError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
