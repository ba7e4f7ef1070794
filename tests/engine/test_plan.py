"""Plan first: --plan shows the whole tree and its costs and touches nothing; bad input fails
before the first step runs; the run walks the plan it showed; events reach a reporter."""
import http.server
import json
import os
import threading

import pytest


@pytest.fixture
def http_server():
    """A 127.0.0.1 server that records every request it gets."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self):
            seen.append((self.command, self.path))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"ok")
        do_GET = do_HEAD = _any

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def workflow(repo, workdir, url):
    """top -> (leaf [cached], fetch [downloads in run.sh, declares it in plan(i)]), post_deps: tail."""
    repo.script("leaf", {"tags": ["leaf"], "cache": True, "new_env_keys": ["LEAF_*"]},
                run=f'echo leaf >> "{workdir}/ran"\necho "LEAF_X=1" > tmp-run-env.out\n')
    repo.script("fetch", {"tags": ["fetch"], "cache": True, "new_env_keys": ["FETCH_*"],
                          "default_env": {"FETCH_URL": f"{url}/model.onnx"}},
                customize='''
                    def plan(i):
                        return {"return": 0, "actions": [
                            {"kind": "download", "url": i["env"]["FETCH_URL"], "size": 1048576,
                             "checksum": "sha256:" + "ab" * 32, "path": "model.onnx"},
                            {"kind": "pip", "package": "onnx", "spec": ">=1.14", "python": None}]}
                ''',
                run=f'echo fetch >> "{workdir}/ran"\npython3 -c "import urllib.request as u; '
                    f'u.urlopen(\'$FETCH_URL\').read()"\necho "FETCH_OK=yes" > tmp-run-env.out\n')
    repo.script("tail", {"tags": ["tail"]}, run=f'echo tail >> "{workdir}/ran"\n')
    repo.script("top", {"tags": ["top"], "deps": [{"tags": "leaf"}, {"tags": "fetch"}],
                        "post_deps": [{"tags": "tail"}],
                        "input_mapping": {"model": "TOP_MODEL", "mode": "TOP_MODE"},
                        "input_description": {"model": {"choices": ["bert-99", "resnet50"]},
                                              "system_json": {"desc": "system facts file",
                                                              "required_for": ["submission"]}},
                        "accepted_inputs": ["system_json"],
                        "constraints": [{"when": {"TOP_MODEL": ["bert-99"]}, "require": {"TOP_MODE": ["perf"]},
                                         "error": "bert-99 runs only in --mode=perf here"}],
                        "variations": {"bert-99": {}, "submission": {}}},
                run=f'echo top >> "{workdir}/ran"\n')


def snapshot(*roots):
    """Every path with size and mtime, except derived indexes: the engine's metadata index
    ($CM_REPOS/cmperf/) and Python's bytecode of customize.py (__pycache__)."""
    files = {}
    for root in roots:
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x != "__pycache__" and os.path.join(d, x) != os.path.join(root, "cmperf")]
            if d == root:
                names = [n for n in names if n != "cmperf"]
            for n in names + ([""] if d != root else []):
                p = os.path.join(d, n)
                try:
                    st = os.stat(p)
                except FileNotFoundError:
                    continue
                files[p] = (st.st_size, st.st_mtime_ns)
    return files


def test_plan_shows_costs_and_touches_nothing(repo, cm, workdir, cm_repos, http_server, capsys):
    url, seen = http_server
    workflow(repo, workdir, url)
    before = snapshot(str(cm_repos), str(workdir), repo.path)
    r = cm("run", "script", "--tags=top", "--plan")
    out = capsys.readouterr().out
    assert r["return"] == 0, r
    assert snapshot(str(cm_repos), str(workdir), repo.path) == before
    assert seen == []
    assert f"download {url}/model.onnx (1.0 MiB, sha256:abab" in out
    assert "pip install onnx>=1.14" in out and "post_deps: tail" in out
    assert "3 script(s) to run" not in out and "4 script(s) to run" in out
    assert "disk needed: at least 1.0 MiB" in out
    # --dry-run is the same; -j gives the plan as JSON
    assert cm("run", "script", "--tags=top", "--dry-run")["return"] == 0
    assert snapshot(str(cm_repos), str(workdir), repo.path) == before and seen == []


def test_plan_json_and_the_run_walks_it(repo, cm, cm_cli, workdir, http_server):
    url, seen = http_server
    workflow(repo, workdir, url)
    p = cm_cli("run", "script", "--tags=top", "--plan", "-j")
    data = json.loads(p.stdout)["plan"]
    names = [c["script"] for c in data["root"]["children"]]
    assert names == ["leaf", "fetch", "tail"] and data["summary"]["download_bytes"] == 1048576
    assert data["root"]["children"][0]["cache"] == "miss" and data["root"]["children"][2]["phase"] == "post_deps"
    assert not (workdir / "ran").exists() and seen == []
    r = cm("run", "script", "--tags=top", "-s")
    assert r["return"] == 0, r
    assert (workdir / "ran").read_text().split() == ["leaf", "fetch", "top", "tail"]
    assert seen == [("GET", "/model.onnx")]
    again = json.loads(cm_cli("run", "script", "--tags=top", "--plan", "-j").stdout)["plan"]
    assert [c["cache"] for c in again["root"]["children"][:2]] == ["hit", "hit"]


def test_bad_input_fails_before_the_first_step(repo, cm, workdir, http_server):
    url, _ = http_server
    workflow(repo, workdir, url)
    r = cm("run", "script", "--tags=top", "--model=bert99", "-s")
    assert r["return"] == 1 and "unknown --model 'bert99'; did you mean bert-99? choices: bert-99, resnet50" \
        in r["error"]
    r = cm("run", "script", "--tags=top,_bert99", "-s")
    assert r["return"] == 16 and "unknown variation _bert99; did you mean _bert-99?" in r["error"]
    r = cm("run", "script", "--tags=top", "--mdoel=bert-99", "-s")
    assert r["return"] == 1 and "unknown flag --mdoel; did you mean --model?" in r["error"]
    r = cm("run", "script", "--tags=top", "--modle=bert-99", "-s")     # a swap and a deletion: as close
    assert r["return"] == 1 and "unknown flag --modle; did you mean --mode or --model?" in r["error"]
    assert "--help` lists the flags" in r["error"]
    r = cm("run", "script", "--tags=top", "--model=bert-99", "--mode=acc", "-s")
    assert r["return"] == 1 and "bert-99 runs only in --mode=perf here" in r["error"]
    r = cm("run", "script", "--tags=top,_submission", "-s")
    assert r["return"] == 1 and "_submission needs --system_json (system facts file)" in r["error"]
    assert not (workdir / "ran").exists()
    # opting out keeps upstream's permissive behaviour; a listed flag is fine
    assert cm("run", "script", "--tags=top", "--mdoel=x", "--allow_unknown_inputs", "-s")["return"] == 0
    assert cm("run", "script", "--tags=top,_submission", "--system_json=s.json", "-s")["return"] == 0


def test_a_hook_decides_at_run_time_and_the_plan_says_so(repo, cm, workdir, capsys):
    repo.script("extra", {"tags": ["extra"]}, run=f'echo extra >> "{workdir}/ran"\n')
    repo.script("hooked", {"tags": ["hooked"],
                           "prehook_deps": [{"tags": "extra", "enable_if_env": {"HOOK_WANTS": ["yes"]}}]},
                customize='''
                    def preprocess(i):
                        i["env"]["HOOK_WANTS"] = "yes"
                        return {"return": 0}
                ''')
    cm("run", "script", "--tags=hooked", "--plan")
    out = capsys.readouterr().out
    assert "- hooked  [not cached]" in out and "extra" not in out   # predicted: the condition is false now
    r = cm("run", "script", "--tags=hooked", "-s")
    assert r["return"] == 0 and (workdir / "ran").read_text() == "extra\n"   # re-planned after the hook


def test_events_jsonl_carries_progress_from_run_sh(repo, cm_cli, workdir):
    repo.script("work", {"tags": ["work"]}, run='''
        python3 -c "
        from cmperf.core import progress
        with progress.Task('crunch', total=4, unit='items') as t:
            t.advance(4)
        "
        echo plain output
    ''')
    r = cm_cli("run", "script", "--tags=work", "--events=jsonl")
    events = [json.loads(line) for line in r.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "plan" and "running" in kinds and kinds[-1] == "finished", kinds
    done = [e for e in events if e["event"] == "task_done"]
    assert done and done[0]["label"] == "crunch" and done[0]["done"] == 4 and done[0]["script"] == "work"
    assert "plain output" in r.stderr
    j = cm_cli("run", "script", "--tags=work", "-j")
    assert json.loads(j.stdout)["return"] == 0 and "plain output" in j.stderr


def test_console_shows_a_cached_dependency_once(repo, cm, workdir, capsys):
    repo.script("shared", {"tags": ["shared"], "cache": True}, run="true\n")
    repo.script("mid-a", {"tags": ["mid", "a"], "deps": [{"tags": "shared"}]})
    repo.script("mid-b", {"tags": ["mid", "b"], "deps": [{"tags": "shared"}]})
    repo.script("both", {"tags": ["both"], "deps": [{"tags": "mid,a"}, {"tags": "mid,b"}]})
    assert cm("run", "script", "--tags=both")["return"] == 0
    first = capsys.readouterr().out
    assert first.count("* shared\n") == 1 and first.count("* shared (cached)") == 1   # built, then reused
    assert cm("run", "script", "--tags=both")["return"] == 0
    assert capsys.readouterr().out.count("* shared (cached)") == 1


def test_a_flag_value_given_as_a_variation_names_the_flag(repo, cm):
    repo.script("front", {"tags": ["front"], "input_mapping": {"model": "FRONT_MODEL"},
                          "input_description": {"model": {"choices": ["bert-99", "resnet50"]}}})
    r = cm("run", "script", "--tags=front,_bert99", "--plan")
    assert r["return"] == 16 and "unknown variation _bert99; did you mean --model=bert-99?" in r["error"]


def test_a_submission_without_the_system_fields_is_refused_before_the_benchmark(repo, cm, workdir):
    """The checkout's own scripts: the generator at the end would refuse; the plan refuses first."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = cm("run", "script", "--tags=run-mlperf,inference,_submission", "--execution_mode=valid", "--plan")
    assert r["return"] == 1 and "a submission needs system field(s) no detection can know" in r["error"]
    assert "status" in r["error"] and "--system_json=FILE" in r["error"]
    r = cm("run", "script", "--tags=run-mlperf,inference,_submission", "--execution_mode=valid", "--plan",
           f"--system_json={root}/docs/system-example.json")
    assert r["return"] == 0, r.get("error")
    assert not os.listdir(workdir)
