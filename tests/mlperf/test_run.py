"""The whole run: user.conf -> LoadGen processes -> accuracy -> results layout -> table."""
import io
import json
import os

import pytest

from cmperf.mlperf import run as mlrun
from cmperf.mlperf.errors import ConfigError, LoadGenError


def _args(results, digits_dir, *extra):
    return ["--model", "digits-mlp", "--backend", "onnxruntime", "--results-dir", str(results),
            "--dataset-dir", digits_dir, "--test-query-count", "20", "--threads", "1", *extra]


def test_end_to_end_layout_and_table(tmp_path, digits_dir):
    out = io.StringIO()
    recs = mlrun.run(_args(tmp_path / "res", digits_dir, "--scenario", "Offline"), out=out)
    written = json.loads(json.dumps(mlrun.summary(recs)))   # what the CM script's state carries
    assert [r["result"]["mode"] for r in written] == ["performance", "accuracy"]
    assert written[1]["accuracy"] == recs[1]["accuracy"] and written[0]["run_style"] == "test"
    assert [r["result"]["mode"] for r in recs] == ["performance", "accuracy"]
    sut = recs[0]["sut"]
    assert sut.startswith("default-reference-cpu-onnxruntime-v") and sut.endswith("-default_config")
    base = tmp_path / "res" / sut
    info = json.loads((base / "cm-sut-info.json").read_text())
    assert info["framework"] == "onnxruntime" and info["host_processor_core_count"] >= 1
    sc = base / "digits-mlp" / "offline"
    for f in ("mlperf_log_summary.txt", "mlperf_log_detail.txt", "user.conf", "run.json"):
        assert (sc / "performance" / "run_1" / f).is_file()
        assert (sc / "accuracy" / f).is_file()
    acc = (sc / "accuracy" / "accuracy.txt").read_text().splitlines()
    assert acc[0].startswith("accuracy=") and acc[1].startswith("hash=")
    assert float(acc[0].split("=")[1].split("%")[0]) > 90
    m = json.loads((sc / "measurements.json").read_text())
    for k in ("input_data_types", "retraining", "starting_weights_filename", "weight_data_types",
              "weight_transformations"):
        assert m[k]
    assert m["model_mapping"] == {"digits-mlp": "resnet"}
    readme = (sc / "README.md").read_text()
    assert "cm run script --tags=run-mlperf,inference --model=digits-mlp" in readme and "mlcommons-loadgen" in readme
    assert ".staging" not in readme  # the LoadGen jobs name the files where they now are
    run_json = json.loads((sc / "performance" / "run_1" / "run.json").read_text())
    assert run_json["result"]["metric"] == "samples_per_second" and run_json["threads"] == 1
    assert run_json["job"]["output_dir"] == str(sc / "performance" / "run_1")
    assert run_json["job"]["user_conf"] == str(sc / "performance" / "run_1" / "user.conf")
    table = out.getvalue()
    assert "digits-mlp" in table and "Offline" in table and "%" in table
    assert "(test run: 20 queries, not a benchmark result)" in table
    from cmperf.report.local import read_results_dir   # beside published results, too
    (local,) = read_results_dir(str(tmp_path / "res"), {"digits-mlp": "resnet50"})
    assert local.label.endswith("(local, test run: 20 queries, not a benchmark result)")
    assert not (tmp_path / "res" / ".staging").exists()


def test_a_second_run_measures_again_and_never_mixes_old_files(tmp_path, digits_dir):
    res = tmp_path / "res"
    a = _args(res, digits_dir, "--scenario", "SingleStream", "--mode", "performance")
    rec = mlrun.run(a, out=io.StringIO())[0]
    marker = os.path.join(rec["dir"], "stale-from-old-run.txt")
    open(marker, "w").close()
    again = mlrun.run(a, out=io.StringIO())[0]   # no hidden reuse: the same request runs again
    assert again["info"]["wall_time_s"] != rec["info"]["wall_time_s"] or again["dir"] == rec["dir"]
    assert not os.path.exists(marker)


def test_interrupted_run_leaves_old_results_intact(tmp_path, digits_dir):
    res = tmp_path / "res"
    a = _args(res, digits_dir, "--scenario", "Server", "--mode", "performance", "--target-qps", "2000")
    rec = mlrun.run(a, out=io.StringIO())[0]
    before = sorted(os.listdir(rec["dir"]))
    summary = open(os.path.join(rec["dir"], "mlperf_log_summary.txt")).read()
    # 2000 queries at 1 qps cannot finish in 3 s: the LoadGen process is killed mid-run
    slow = _args(res, digits_dir, "--scenario", "Server", "--mode", "performance", "--target-qps", "1",
                 "--timeout", "3")
    slow[slow.index("--test-query-count") + 1] = "2000"
    with pytest.raises(LoadGenError, match="exceeded 3"):
        mlrun.run(slow, out=io.StringIO())
    assert sorted(os.listdir(rec["dir"])) == before
    assert open(os.path.join(rec["dir"], "mlperf_log_summary.txt")).read() == summary
    assert not (res / ".staging").exists() or not os.listdir(res / ".staging")


def test_invalid_result_is_shown_in_the_table(tmp_path, digits_dir):
    out = io.StringIO()
    recs = mlrun.run(_args(tmp_path / "res", digits_dir, "--scenario", "Offline", "--mode", "performance",
                           "--min-duration", "4000"), out=out)
    assert recs[0]["result"]["validity"] == "INVALID"
    assert "INVALID" in out.getvalue() and "min duration not satisfied" in out.getvalue()


def test_performance_only_model_refuses_accuracy(tmp_path):
    with pytest.raises(ConfigError, match="performance-only"):
        mlrun.run(["--model", "resnet50-random", "--mode", "accuracy", "--results-dir", str(tmp_path)],
                  out=io.StringIO())


def test_cli_error_exit_code(tmp_path, run_module):
    p = run_module("cmperf.mlperf.run", "--model", "rnnt", "--results-dir", tmp_path)
    assert p.returncode == 2 and "backend for rnnt 'onnxruntime'; choices: pytorch" in p.stderr


def test_compliance_run_goes_under_test_dir(tmp_path, digits_dir):
    audit = tmp_path / "audit.config"
    audit.write_text("*.*.performance_issue_same = 1\n*.*.performance_issue_same_index = 3\n")
    a = _args(tmp_path / "res", digits_dir, "--scenario", "Offline", "--mode", "performance")
    with pytest.raises(ConfigError, match="go together"):
        mlrun.run(a + ["--compliance-test", "TEST04"], out=io.StringIO())
    rec = mlrun.run(a + ["--compliance-test", "TEST04", "--audit-conf", str(audit)], out=io.StringIO())[0]
    assert rec["dir"].endswith(os.path.join("offline", "TEST04", "performance", "run_1"))
    assert rec["result"]["settings"]["performance_issue_same"] is True


def test_upstream_flag_spellings(tmp_path, digits_dir):
    recs = mlrun.run(["--framework", "onnxruntime", "--execution_mode", "test", "--test_query_count", "8",
                      "--results_dir", str(tmp_path / "r"), "--dataset-dir", digits_dir, "--mode", "performance"],
                     out=io.StringIO())
    assert recs[0]["info"]["backend"]["backend"] == "onnxruntime"
    assert recs[0]["result"]["settings"]["samples_per_query"] == 8


def test_digits_is_built_on_first_use(tmp_path, monkeypatch):
    from cmperf.mlperf import assets
    from cmperf.mlperf.errors import DatasetError
    monkeypatch.setenv("CMPERF_MLPERF_CACHE", str(tmp_path / "cache"))
    d = assets.digits_dir()
    assert d == str(tmp_path / "cache" / "digits-mlp") and os.path.isfile(os.path.join(d, "model.onnx"))
    with pytest.raises(DatasetError, match="does not exist or has no manifest.json"):
        assets.digits_dir(str(tmp_path / "explicit-but-missing"))


def test_random_resnet50_is_performance_only(tmp_path, monkeypatch):
    monkeypatch.setenv("CMPERF_MLPERF_CACHE", str(tmp_path / "cache"))
    recs = mlrun.run(["--model", "resnet50-random", "--results-dir", str(tmp_path / "r"), "--batch-size", "4",
                      "--test-query-count", "8", "--threads", "2"], out=io.StringIO())
    assert [r["result"]["mode"] for r in recs] == ["performance"]  # accuracy dropped, not faked
    assert recs[0]["result"]["value"] > 0
    sc = os.path.dirname(os.path.dirname(recs[0]["dir"]))
    m = json.loads(open(os.path.join(sc, "measurements.json")).read())
    assert m["performance_only"] is True and "random" in m["starting_weights_filename"]


def test_resnet50_pipeline_with_a_small_preprocessed_dataset(tmp_path, r50_random_model):
    """resnet50 through preprocessed JPEGs; the model file is the random-weights graph, so only the
    mechanics are checked (5 samples, accuracy over 5), never the accuracy value."""
    cv2 = pytest.importorskip("cv2")
    import numpy as np
    from cmperf.mlperf.preprocess import imagenet as pp
    imgs = tmp_path / "jpeg"
    imgs.mkdir()
    rows = []
    for i in range(5):
        cv2.imwrite(str(imgs / f"{i}.JPEG"), (np.random.default_rng(i).random((240, 320, 3)) * 255).astype("uint8"))
        rows.append(f"{i}.JPEG {i * 100}")
    (tmp_path / "val_map.txt").write_text("\n".join(rows) + "\n")
    pp.build_dataset(str(imgs), str(tmp_path / "val_map.txt"), str(tmp_path / "ds"))
    model = r50_random_model
    recs = mlrun.run(["--model", "resnet50", "--model-path", model, "--dataset-dir", str(tmp_path / "ds"),
                      "--results-dir", str(tmp_path / "r"), "--test-query-count", "5", "--batch-size", "5",
                      "--threads", "2"], out=io.StringIO())
    perf, acc = recs
    assert any("QSL holds only 5 samples" in n for n in perf["result"]["notes"])
    text = open(os.path.join(acc["dir"], "accuracy.txt")).read()
    assert ", total=5\nhash=" in text


def test_round_seeds_replace_the_built_in_ones(tmp_path, digits_dir):
    """A v3.1 run must carry v3.1's seeds; LoadGen's built-in mlperf.conf has its own round's."""
    import json
    import os
    import subprocess
    import sys

    from cmperf.loadgen_logs import parse_detail_log
    from cmperf.submission import rounds

    env = dict(os.environ, CMPERF_MLPERF_CACHE=str(tmp_path / "cache"))
    p = subprocess.run([sys.executable, "-m", "cmperf.mlperf.run", "--model", "digits-mlp", "--mode", "performance",
                        "--run-style", "test", "--test-query-count", "5", "--results-dir", str(tmp_path / "res"),
                        "--dataset-dir", digits_dir,
                        "--round", "v3.1", "--json"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    (rec,) = json.loads(p.stdout[p.stdout.index("\n["):])
    log = parse_detail_log(os.path.join(rec["dir"], "mlperf_log_detail.txt"))
    s = rounds.get_round("v3.1").seeds
    assert (log["effective_qsl_rng_seed"], log["effective_sample_index_rng_seed"],
            log["effective_schedule_rng_seed"]) == (s.qsl, s.sample_index, s.schedule)


def test_per_scenario_targets_apply_to_their_scenario_only(tmp_path, digits_dir):
    recs = mlrun.run(_args(tmp_path / "res", digits_dir, "--scenario", "Offline,SingleStream", "--mode",
                           "performance", "--target-qps", "700", "--singlestream-target-latency", "3"),
                     out=io.StringIO())
    confs = {r["result"]["scenario"]: open(os.path.join(r["dir"], "user.conf")).read() for r in recs}
    assert "resnet50.Offline.target_qps = 700" in confs["Offline"]
    assert "resnet50.SingleStream.target_latency = 3\n" in confs["SingleStream"]


def test_server_accuracy_without_a_target_is_not_paced_at_one_qps(tmp_path, digits_dir):
    out = io.StringIO()
    # batch 64: the Server worker batches what is queued (the pace under test is user.conf's, not the SUT's)
    (rec,) = mlrun.run(_args(tmp_path / "res", digits_dir, "--scenario", "Server", "--mode", "accuracy",
                             "--batch-size", "64"), out=out)
    assert "resnet50.Server.target_qps = 1000" in open(os.path.join(rec["dir"], "user.conf")).read()
    assert rec["result"]["validity"] == "VALID" and rec["accuracy"] > 90
    assert "accuracy issued at 1000 qps (no --target-qps given)" in out.getvalue()
    # an explicit target is the user's, for accuracy too
    (rec,) = mlrun.run(_args(tmp_path / "res", digits_dir, "--scenario", "Server", "--mode", "accuracy",
                             "--server-target-qps", "900", "--batch-size", "64"), out=io.StringIO())
    assert "resnet50.Server.target_qps = 900" in open(os.path.join(rec["dir"], "user.conf")).read()
