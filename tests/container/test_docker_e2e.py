"""End to end: `cm docker script --tags=run-mlperf,inference` builds the image of the embedded default's plan,
checks its versions, runs the benchmark inside, and the results land on the host exactly as a native run
lays them out. Skips only when no container engine is usable (CI prepares one: .ci/setup-containers.sh).

Cost: the first build on a machine downloads the pinned pip closure (about 2 minutes here; later builds
reuse the engine's layer cache), then one containerised run and one native run of the default (~20 s each)
and one containerised request that fails at once (a few seconds).
"""
import os
import subprocess
import sys

import pytest

from cmperf.container import engine
from cmperf.container.errors import NoEngine

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def usable_engine():
    try:
        return engine.detect()
    except NoEngine as e:
        pytest.skip(f"no usable container engine, the containerised run cannot be tested: {e}")


def _cm(args, cwd, home, timeout=900):
    env = dict(os.environ, CM_REPOS=str(home), PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "cmind", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _tree(top):
    return sorted(os.path.relpath(os.path.join(d, f), top) for d, _, files in os.walk(top) for f in files)


def test_docker_run_of_the_embedded_default_lands_results_on_the_host(usable_engine, registered_home, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    # With a kept model/dataset cache, a secret passed at run time only, and the engine commands saved.
    cache, saved = tmp_path / "cmcache", tmp_path / "commands.sh"
    r = _cm(["docker", "script", "--tags=run-mlperf,inference", "--quiet", f"--docker_cache={cache}",
             f"--docker_save_script={saved}", "--env.CMPERF_E2E_TOKEN=s3cr3t-e2e"], work, registered_home)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "pip packages inside equal the plan's" in r.stdout
    results = work / "results"
    files = _tree(results)
    summaries = [f for f in files if f.endswith("performance/run_1/mlperf_log_summary.txt")]
    assert len(summaries) == 1 and "Result is : VALID" in (results / summaries[0]).read_text()
    assert any(f.endswith("digits-mlp/offline/accuracy/accuracy.txt") for f in files)
    assert all(os.stat(results / f).st_uid == os.getuid() for f in files)     # the user's, not the engine's
    # The same request natively: the same files at the same places (the SUT folder names the
    # backend's version, so this also shows the image runs the versions this machine runs).
    native = _cm(["run", "script", "--tags=run-mlperf,inference", "--quiet", f"--results_dir={tmp_path / 'native'}"],
                 work, registered_home)
    assert native.returncode == 0, native.stderr[-3000:]
    assert _tree(tmp_path / "native") == files

    assert any((cache / e / "_cm.json").is_file() for e in os.listdir(cache))
    commands = saved.read_text()
    assert f"-v {cache}:/opt/cm/repos/local/cache" in commands and "CMPERF_SECRET_ENV_CMPERF_E2E_TOKEN" in commands
    image = next(w for w in commands.split() if w.startswith("localhost/cmperf-"))
    history = usable_engine.run(["history", "--no-trunc", image], timeout=60)
    assert history.returncode == 0 and "CMPERF_E2E_TOKEN" not in history.stdout   # not in any layer
    assert "s3cr3t-e2e" not in commands + r.stdout + r.stderr + history.stdout

    # A request that fails inside: the error names the script and the inner command, with the output's tail.
    bad = _cm(["docker", "script", "--tags=run-mlperf,inference", "--quiet", "--power=yes"], work, registered_home)
    assert bad.returncode != 0
    assert "run-mlperf-inference-app" in bad.stderr and "--power" in bad.stderr
    if "the run inside" in bad.stderr:
        assert "command: cm run script --tags=run-mlperf,inference" in bad.stderr and "last " in bad.stderr
