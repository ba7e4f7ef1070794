"""The MLPerf model/dataset/helper scripts through the real `cm`, with a local HTTP server."""
import contextlib
import functools
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading

import pytest

from tests.conftest import cm_plan_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


@pytest.fixture
def cm(indexed_cm_repos, tmp_path, monkeypatch):
    """run(*args) -> (rc, parsed -j output or None, stdout+stderr); this checkout is the only repo."""
    cm_repos = indexed_cm_repos
    monkeypatch.setenv("PYTHONPATH", ROOT)
    monkeypatch.delenv("IMAGENET_PATH", raising=False)
    monkeypatch.delenv("CM_DOWNLOAD_MIRROR", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")

    def run(*args):
        proc = subprocess.run([cm_bin, "run", "script", *args, "--quiet"], capture_output=True, text=True,
                              timeout=300, cwd=work, stdin=subprocess.DEVNULL)
        out, data = proc.stdout, None
        if "-j" in args and "{" in out:
            with contextlib.suppress(ValueError):
                data = json.loads(out if out.startswith("{") else out[out.index("\n{") + 1:])
        return proc.returncode, data, out + proc.stderr
    run.plan = cm_plan_in_process   # the second and later plans of a test (tests/conftest.py)
    run.cache = cm_repos / "repos" / "local" / "cache"
    return run


@pytest.fixture
def server(tmp_path):
    """A static HTTP server on 127.0.0.1 over a fresh directory: .url(name), .dir."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.dir = root
    httpd.url = lambda name: f"http://127.0.0.1:{httpd.server_address[1]}/{name}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def loadgen_accuracy_run(outdir, count, respond):
    """A real LoadGen Offline accuracy run over ``count`` samples: ``respond(indices) -> [bytes]``.

    Writes LoadGen's logs (mlperf_log_accuracy.json, ...) into ``outdir``.
    """
    import array

    import mlperf_loadgen as lg

    def issue_queries(samples):
        payloads = respond([s.index for s in samples])
        buffers = [array.array("B", p) for p in payloads]
        lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, b.buffer_info()[0], len(b))
                                 for s, b in zip(samples, buffers)])

    sut = lg.ConstructSUT(issue_queries, lambda: None)
    qsl = lg.ConstructQSL(count, count, lambda idx: None, lambda idx: None)
    settings = lg.TestSettings()
    settings.scenario = lg.TestScenario.Offline
    settings.mode = lg.TestMode.AccuracyOnly
    log_settings = lg.LogSettings()
    log_settings.log_output.outdir = str(outdir)
    log_settings.log_output.copy_summary_to_stdout = False
    try:
        lg.StartTestWithLogSettings(sut, qsl, settings, log_settings)
    finally:
        lg.DestroyQSL(qsl)
        lg.DestroySUT(sut)
    return os.path.join(str(outdir), "mlperf_log_accuracy.json")


SQUAD_CONTEXT = "The mill on the river was built in 1820 by the town council."


def serve_squad(server):
    """A one-question stand-in dev json and its vocab on ``server``; returns the --adr flags that point
    get-preprocessed-dataset-squad's dependencies at them (answer: '1820')."""
    context = SQUAD_CONTEXT
    squad = {"version": "1.1", "data": [{"title": "Mill", "paragraphs": [{"context": context, "qas": [
        {"id": "q1", "question": "When was the mill built?",
         "answers": [{"text": "1820", "answer_start": context.index("1820")}]}]}]}]}
    (server.dir / "dev.json").write_text(json.dumps(squad))
    words = sorted({w.strip(".?").lower() for w in (context + " When was built?").split()})
    (server.dir / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "?"] + words))
    return [f"--adr.squad-original.url={server.url('dev.json')}",
            f"--adr.squad-original.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'dev.json')}",
            f"--adr.squad-vocab.url={server.url('vocab.txt')}",
            f"--adr.squad-vocab.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'vocab.txt')}"]
