"""Property: for random script graphs (variations, conditions, all four phases, caching),
the executor reaches the nodes in the order the plan lists them, and the cache entries it
uses are exactly the plan's hits."""
import io
import os
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from cmperf.engine.cache import CacheStore
from cmperf.engine.execute import Executor
from cmperf.engine.index import ScriptIndex
from cmperf.engine.plan import Planner
from cmperf.engine.reporter import Recorder, Reporter
from cmperf.engine.request import parse_input

import yaml

PHASES = ("deps", "prehook_deps", "posthook_deps", "post_deps")


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 5))
    varied = [draw(st.booleans()) for _ in range(n)]
    hooked = [draw(st.booleans()) for _ in range(n)]     # a preprocess hook that sets HOOK_i
    metas = []
    for i in range(n):
        meta = {"tags": [f"s{i}"], "cache": draw(st.booleans()), "new_env_keys": [f"OUT_{i}", "VAR_*"]}
        if varied[i]:
            meta["variations"] = {"a": {"group": "g", "default": True, "env": {f"VAR_{i}": "a"}},
                                  "b": {"group": "g", "env": {f"VAR_{i}": "b"}}}
        for j in range(i + 1, n):
            if not draw(st.booleans()):
                continue
            dep = {"tags": f"s{j}" + (draw(st.sampled_from(["", ",_a", ",_b"])) if varied[j] else "")}
            cond = draw(st.sampled_from(["none", "variation", "output", "hook"]))
            if cond == "variation" and varied[i]:
                dep["enable_if_env"] = {f"VAR_{i}": ["a"]}
            elif cond == "hook" and hooked[i]:    # only the hook decides: re-planned after it ran
                dep["enable_if_env"] = {f"HOOK_{i}": ["yes"]}
            elif cond == "output":       # an output of a script that may run before: decided at run time
                dep["skip_if_env"] = {f"OUT_{draw(st.integers(0, n - 1))}": ["yes"]}
            meta.setdefault(draw(st.sampled_from(PHASES)), []).append(dep)
        meta["hooked"] = hooked[i]
        metas.append(meta)
    top = "s0" + (draw(st.sampled_from(["", ",_a", ",_b"])) if varied[0] else "")
    return metas, top


def run_once(repo_path, home, top):
    planner = Planner(ScriptIndex.load(repos=[repo_path], home=home), CacheStore(home))
    request = parse_input({"action": "run", "automation": "script", "tags": top, "quiet": True})
    plan = planner.plan(request, {}, dict(request.state))
    initial = plan.nodes()
    static = [n for n in initial if _decided_at_plan_time(plan.root, n)]
    planned_hits = [n.key for n in initial if n.cache == "hit" and _decided_at_plan_time(plan.root, n)]
    recorder = Recorder()
    executor = Executor(planner, Reporter(recorder), out=io.StringIO())
    executor.run(plan)
    # the tree after the run is exactly what ran, in the order it ran
    assert plan.nodes() == executor.entered
    # every node the plan decided ran in the plan's order
    entered = [n for n in executor.entered if n in static]
    assert entered == static
    # the entries used are the plan's hits (plus hits of nodes decided at run time)
    used = [e.key for e in executor.used]
    final_hits = [n.key for n in plan.nodes() if n.cache == "hit"]
    assert used == final_hits
    assert all(k in used for k in planned_hits)
    return plan


def _decided_at_plan_time(root, node):
    def path_to(cur, trail):
        if cur is node:
            return trail + [cur]
        for c in cur.children:
            found = path_to(c, trail + [cur])
            if found:
                return found
        return None
    path = path_to(root, []) or []
    return all(n.decided == "plan" and not n.conditional for n in path) and \
        all(n.cache != "decided at run time" for n in path[:-1])


@settings(max_examples=int(os.environ.get("CMPERF_PROPERTY_EXAMPLES", "12")), deadline=None,
          suppress_health_check=list(HealthCheck), database=None)   # no .hypothesis/ in the checkout
@given(graphs())
def test_execution_walks_the_plan(graph):
    metas, top = graph
    metas = [dict(m) for m in metas]
    with tempfile.TemporaryDirectory() as base:
        repo = os.path.join(base, "repo")
        for i, meta in enumerate(metas):
            d = os.path.join(repo, "script", f"s{i}")
            os.makedirs(d)
            if meta.pop("hooked"):
                with open(os.path.join(d, "customize.py"), "w") as f:
                    f.write(f"def preprocess(i):\n    i['env']['HOOK_{i}'] = 'yes'\n    return {{'return': 0}}\n")
            with open(os.path.join(d, "_cm.yaml"), "w") as f:
                yaml.safe_dump({"alias": f"s{i}", "uid": f"{i + 1:016x}", "automation_alias": "script",
                                "automation_uid": "5b4e0237da074764", **meta}, f)
            with open(os.path.join(d, "run.sh"), "w") as f:
                f.write(f'echo "OUT_{i}=yes" > tmp-run-env.out\n')
        home = os.path.join(base, "CM")
        os.makedirs(home)
        work = os.path.join(base, "work")
        os.makedirs(work)
        before = os.getcwd()
        os.chdir(work)
        try:
            cold = run_once(repo, home, top)
            warm = run_once(repo, home, top)
        finally:
            os.chdir(before)
        if any(n.cache == "miss" for n in cold.nodes()):
            assert any(n.cache == "hit" for n in warm.nodes())
