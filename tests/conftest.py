"""Fixtures shared by every test area."""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser):
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="show the N test phases that cost most CPU (user+sys of pytest and the children "
                          "it waited for) and the CPU of each file: wall times on a shared machine say little")


_cpu_rows = []


def _cpu_seconds():
    import resource
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _measure_cpu(item, phase):
    if item.config.getoption("--cpu-durations") is None:
        yield
        return
    start = _cpu_seconds()
    yield
    _cpu_rows.append((_cpu_seconds() - start, phase, item.nodeid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield from _measure_cpu(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield from _measure_cpu(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield from _measure_cpu(item, "teardown")


def pytest_terminal_summary(terminalreporter, config):
    n = config.getoption("--cpu-durations")
    if n is None or not _cpu_rows:
        return
    tr = terminalreporter
    tr.write_sep("=", f"most CPU time (user+sys, pytest + children), top {n}")
    for cpu, phase, nodeid in sorted(_cpu_rows, reverse=True)[:n]:
        tr.write_line(f"{cpu:7.2f}s {phase:8s} {nodeid}")
    per_file = {}
    for cpu, _, nodeid in _cpu_rows:
        per_file[nodeid.split("::")[0]] = per_file.get(nodeid.split("::")[0], 0.0) + cpu
    tr.write_sep("=", "CPU time per file")
    for path, cpu in sorted(per_file.items(), key=lambda kv: -kv[1]):
        tr.write_line(f"{cpu:7.2f}s {path}")
    tr.write_line(f"{sum(per_file.values()):7.2f}s in all")


@pytest.fixture
def cm_repos(tmp_path, monkeypatch):
    """An isolated CM home: nothing a test registers or caches leaks into ~/CM."""
    home = tmp_path / "CM"
    monkeypatch.setenv("CM_REPOS", str(home))
    return home


@pytest.fixture(scope="session")
def _cm_index_template(tmp_path_factory):
    """A CM home with this checkout registered and indexed by cmind's own reindex, once a session."""
    home = tmp_path_factory.mktemp("cm-index") / "CM"
    home.mkdir()
    (home / "repos.json").write_text(json.dumps([ROOT]))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CM_REPOS", str(home))
        from cmind.core import CM
        with contextlib.redirect_stdout(io.StringIO()):
            r = CM().access({"action": "reindex", "automation": "repo"})
    assert r["return"] == 0, r
    return home


@pytest.fixture
def indexed_cm_repos(cm_repos, _cm_index_template):
    """cm_repos with this checkout as the only repository, already indexed (so cmind's first-use
    notice never lands in a test's output): a copy of the session's reindex, the same files a reindex
    of an empty home writes (index.json, the local repo), for a copy's milliseconds, not its 0.7 s of CPU."""
    shutil.copytree(_cm_index_template, cm_repos, dirs_exist_ok=True)
    return cm_repos


@pytest.fixture
def run_module():
    """Run ``python -m <module> args...`` in a fresh process (one LoadGen test per process),
    with this checkout importable; ``python=`` picks another interpreter (a backend's venv)."""
    def _run(module, *args, cwd=None, timeout=120, python=sys.executable):
        env = dict(os.environ, NM_DISABLE_ANALYTICS="1")
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return subprocess.run([python, "-m", module, *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
    return _run


@pytest.fixture(scope="session")
def deepsparse_python():
    """The python of deepsparse's own venv (1.8.0 pins numpy 1.26.4 / onnx 1.14.1): $CMPERF_DEEPSPARSE_PYTHON,
    or this one if deepsparse imports here; skips otherwise. .ci/run builds that venv:
      python3 -m venv V && V/bin/pip install deepsparse==1.8.0 mlcommons-loadgen
      CMPERF_DEEPSPARSE_PYTHON=V/bin/python pytest tests
    """
    if os.environ.get("CMPERF_DEEPSPARSE_PYTHON"):
        return os.environ["CMPERF_DEEPSPARSE_PYTHON"]
    try:
        import deepsparse  # noqa: F401
    except ImportError:
        pytest.skip("no deepsparse venv (set CMPERF_DEEPSPARSE_PYTHON)")
    return sys.executable


def _table_bert_model(vocab, starts, ends, input_names=("input_ids", "input_mask", "segment_ids")):
    """A stand-in for bert-large with its input and output names (ONNX bytes).

    Logit = a per-token-id score, on context positions only (segment 1): +10 at the
    vocab words in ``starts`` (start logits) and ``ends`` (end logits), 0 elsewhere.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    ids, mask, segments = input_names
    start_table = np.zeros(len(vocab), np.float32)
    end_table = np.zeros(len(vocab), np.float32)
    start_table[[vocab[t] for t in starts]] = 10.0
    end_table[[vocab[t] for t in ends]] = 10.0
    nodes = [
        helper.make_node("Cast", [segments], ["segf"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["start_table", ids], ["s_raw"]),
        helper.make_node("Gather", ["end_table", ids], ["e_raw"]),
        helper.make_node("Mul", ["s_raw", "segf"], ["output_start_logits"]),
        helper.make_node("Mul", ["e_raw", "segf"], ["output_end_logits"]),
        # input_mask is an input of the real model; consume it so the graph declares it.
        helper.make_node("Identity", [mask], ["mask_out"]),
    ]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", 384]) for n in input_names]
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", 384])
               for n in ("output_start_logits", "output_end_logits")]
    outputs.append(helper.make_tensor_value_info("mask_out", TensorProto.INT64, ["batch", 384]))
    graph = helper.make_graph(nodes, "table_bert", inputs, outputs, initializer=[
        helper.make_tensor("start_table", TensorProto.FLOAT, [len(vocab)], start_table),
        helper.make_tensor("end_table", TensorProto.FLOAT, [len(vocab)], end_table)])
    # opset 11 as the official export; IR 8 so deepsparse 1.8's onnx 1.14 can read it too
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], ir_version=8)
    onnx.checker.check_model(model)
    return model.SerializeToString()


@pytest.fixture
def make_table_bert():
    """make(path, vocab_file, starts, ends) writes the stand-in bert model (see _table_bert_model)."""
    def make(path, vocab_file, starts, ends):
        from cmperf.mlperf.squad.tokenization import load_vocab
        path.write_bytes(_table_bert_model(load_vocab(str(vocab_file)), starts, ends))
        return path
    return make


@pytest.fixture
def cm_help():
    """cm_help(*args) -> the text of `cm run script ARGS --help`, in this process (_cm_help_text)."""
    return _cm_help_text


def _cm_help_text(*args):
    """What `cm run script ARGS --help` prints, from the same call in this process: cmind's own parse
    of the flags, then cmperf.engine.api.help_text (what the script automation's run prints for
    --help), without a process importing cmind and the index again (~0.2 s of CPU each). Needs
    CM_REPOS set (the cm fixtures' home). A test checking many scripts' help keeps one real `cm`."""
    import cmind.cli

    from cmperf.engine import api
    r = cmind.cli.parse(["run", "script", *args, "--help"])
    assert r["return"] == 0, r
    return api.help_text({k: v for k, v in r["cm_input"].items() if k not in ("cmd", "action", "automation")})


def cm_plan_in_process(*args):
    """(rc, {"plan": ...} or None, text) of `cm run script ARGS --plan -j`, in this process: cmind's
    parse of the flags, then cmperf.engine.api.plan (what --plan prints); a refused plan answers the
    engine error's message. Without a process importing cmind and the hooks again (0.3-0.5 s of CPU
    a call). Needs CM_REPOS set (the cm fixtures' home). For the second and later plans of a test:
    each test keeps its first call a real `cm` (what a user types)."""
    import cmind.cli

    from cmperf.core.errors import CmperfError
    from cmperf.engine import api
    r = cmind.cli.parse(["run", "script", *args, "--plan", "--quiet"])
    assert r["return"] == 0, r
    i = {k: v for k, v in r["cm_input"].items() if k not in ("cmd", "action", "automation")}
    try:
        p = api.plan(i)
    except CmperfError as e:
        return 1, None, str(e)
    data = {"plan": p.to_dict()}
    return 0, data, "\n".join(p.lines()) + "\n" + json.dumps(data)
