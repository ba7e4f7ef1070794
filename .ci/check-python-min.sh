#!/usr/bin/env bash
# Prove setup.py's python_requires: under the oldest Python it claims,
#   1. byte-compile every Python file of the checkout,
#   2. import every module (cmperf.*, automation/*/module.py, script/*/customize.py) with only
#      the standard library (third-party imports are reported as skipped),
#   3. with CMPERF_MIN_PYTHON_DEPS=1: in a fresh venv with setup.py's dependencies (+ [test]),
#      import every module again (only optional heavy packages may be missing) and run the
#      archive tests, whose behaviour depends on the Python's tarfile.
# The interpreter: $CMPERF_MIN_PYTHON, else pythonX.Y on PATH, else pyenv's X.Y.*. Not found = failure
# (lower the claim only together with a CI that proves it). Steps 1-2 take seconds. Step 3 downloads
# the dependencies from the package index: measured 231 s and 450 s here (numpy, scipy, onnxruntime,
# opencv, matplotlib wheels for 3.9), so it is opt-in; it then adds ~45 s of tests.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

MIN=$(sed -n 's/.*python_requires *= *">= *\([0-9.]*\)".*/\1/p' setup.py)
[ -n "$MIN" ] || { echo "check-python-min: no python_requires=\">=X.Y\" in setup.py" >&2; exit 1; }
PY=${CMPERF_MIN_PYTHON:-}
if [ -z "$PY" ]; then
  if "python$MIN" -c "" >/dev/null 2>&1; then  # (a pyenv shim exists even when that version is not active)
    PY=$(command -v "python$MIN")
  else
    PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
    PY=$(ls -d "$PYENV_ROOT"/versions/"$MIN".*/bin/python 2>/dev/null | sort -V | head -n1 || true)
  fi
fi
[ -n "$PY" ] && [ -x "$PY" ] || {
  echo "check-python-min: setup.py claims Python >=$MIN but no python$MIN is installed here;" \
       "install it (pyenv install $MIN) or set CMPERF_MIN_PYTHON=/path/to/python$MIN" >&2; exit 1; }
"$PY" -c "import sys; v='$MIN'.split('.'); sys.exit(0 if list(sys.version_info[:2]) == [int(v[0]), int(v[1])] else 1)" || {
  echo "check-python-min: $PY is not Python $MIN" >&2; exit 1; }
echo "check-python-min: Python >=$MIN claimed; checking with $("$PY" -V 2>&1) ($PY)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export PYTHONPYCACHEPREFIX="$TMP/pycache"   # no __pycache__ in the checkout
export PYTHONDONTWRITEBYTECODE=1 NM_DISABLE_ANALYTICS=1

echo "== 1. byte-compile"
"$PY" -m compileall -q -f cmperf automation script bench tests .ci setup.py

echo "== 2. import every module (standard library only)"
"$PY" .ci/import_all.py "$ROOT" --stdlib-only | grep -v '^  skipped' || exit 1

if [ "${CMPERF_MIN_PYTHON_DEPS:-0}" != "1" ]; then
  echo "check-python-min: OK (steps 1-2; CMPERF_MIN_PYTHON_DEPS=1 also imports with the dependencies)"
  exit 0
fi

echo "== 3. import every module and run the archive tests with the dependencies installed"
"$PY" -m venv "$TMP/venv"
# setup.py's own lists, read without building anything in the checkout
"$TMP/venv/bin/python" - "$ROOT/setup.py" > "$TMP/requirements.txt" <<'PY'
import sys, setuptools
seen = {}
setuptools.setup = lambda **kw: seen.update(kw)
sys.argv = [sys.argv[1]]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__", "__file__": sys.argv[0]})
print("\n".join(seen["install_requires"] + seen.get("extras_require", {}).get("test", [])))
PY
start=$(date +%s)
"$TMP/venv/bin/pip" install -q --disable-pip-version-check -r "$TMP/requirements.txt" 2>&1 \
  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
[ "${PIPESTATUS[0]}" = 0 ] || { echo "check-python-min: installing the dependencies failed" >&2; exit 1; }
echo "dependencies installed in $(( $(date +%s) - start )) s"
"$TMP/venv/bin/python" .ci/import_all.py "$ROOT"
PYTHONPATH="$ROOT" "$TMP/venv/bin/python" -m pytest -q -p no:cacheprovider \
  tests/platform/test_archive.py tests/platform/test_archive_policy.py tests/platform/test_archive_property.py
echo "check-python-min: OK"
