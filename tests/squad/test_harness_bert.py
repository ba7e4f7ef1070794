"""bert-99 through the reference harness: LoadGen, the SQuAD QSL, span-logit responses, F1/EM.

The model is a stand-in with the official ONNX input/output names (conftest.table_bert_model):
what it answers is known, so the scores below are the pipeline's, computed from LoadGen's log.
"""
import io
import json
import pathlib

import numpy as np
import onnxruntime as ort
import pytest

from cmperf.mlperf import run as mlrun
from cmperf.mlperf import user_conf
from cmperf.mlperf.errors import DatasetError, MlperfError, UnknownChoiceError
from cmperf.mlperf.squad.loadgen_log import decode_logits
from cmperf.mlperf.squad.qsl import SquadQSL

SCENARIOS = ["Offline", "SingleStream", "MultiStream", "Server"]
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _harness(run_module, tmp_path, features_dir, model, scenario, mode, backend="onnxruntime", batch_size=1,
             **kw):
    from cmperf.mlperf.spec import HarnessJob
    conf = tmp_path / f"user-{scenario}.conf"
    conf.write_text(user_conf.generate("bert", scenario, "test", test_query_count=6, target_qps=1000))
    out = tmp_path / f"{scenario}-{mode}"
    job = tmp_path / f"job-{scenario}-{mode}.json"   # the harness takes a HarnessJob file
    job.write_text(HarnessJob(model="bert-99", backend=backend, device="cpu", scenario=scenario, mode=mode,
                              user_conf=str(conf), output_dir=str(out), dataset_dir=str(features_dir),
                              model_path=str(model), threads=1, batch_size=batch_size).to_json())
    p = run_module("cmperf.mlperf.harness", job, cwd=tmp_path, **kw)
    return p, out


def _assert_log_holds_logits_of(model, log, features_dir, atol=0.0):
    """Every feature answered once, with exactly the logits the model gives it run directly."""
    qsl = SquadQSL(str(features_dir))
    logged = decode_logits(str(log), qsl.total_count, 384)
    assert sorted(logged) == list(range(qsl.total_count))
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    start, end = session.run(["output_start_logits", "output_end_logits"], qsl.batch(range(qsl.total_count)))
    for i in range(qsl.total_count):
        np.testing.assert_allclose(logged[i][0], start[i], rtol=0, atol=atol)
        np.testing.assert_allclose(logged[i][1], end[i], rtol=0, atol=atol)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_accuracy_log_holds_the_models_logits_in_every_scenario(scenario, run_module, tmp_path,
                                                                 features_dir, table_bert):
    # batch 4 over the 8 features of the stand-in set: full and partial batches alike
    p, out = _harness(run_module, tmp_path, features_dir, table_bert, scenario, "accuracy", batch_size=4)
    assert p.returncode == 0, p.stderr
    info = json.loads((out / "run.json").read_text())
    assert info["response_dtype"] == "float32" and info["response_width"] == 768
    assert info["inference_error_count"] == 0
    _assert_log_holds_logits_of(table_bert, out / "mlperf_log_accuracy.json", features_dir)


def test_deepsparse_feeds_berts_named_inputs_in_graph_order(run_module, tmp_path, features_dir, table_bert,
                                                            deepsparse_python):
    p, out = _harness(run_module, tmp_path, features_dir, table_bert, "Offline", "accuracy", batch_size=3,
                      backend="deepsparse", python=deepsparse_python, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    info = json.loads((out / "run.json").read_text())
    assert info["backend"]["backend"] == "deepsparse" and info["inference_error_count"] == 0
    _assert_log_holds_logits_of(table_bert, out / "mlperf_log_accuracy.json", features_dir, atol=1e-5)


def test_performance_run_reports_samples_per_second(run_module, tmp_path, features_dir, table_bert):
    p, out = _harness(run_module, tmp_path, features_dir, table_bert, "Offline", "performance")
    assert p.returncode == 0, p.stderr
    summary = (out / "mlperf_log_summary.txt").read_text()
    assert "Samples per second" in summary and "bert" in (out / "user.conf").read_text()


def _run_args(tmp_path, features_dir, model, *extra):
    return ["--model", "bert-99", "--backend", "onnxruntime", "--results-dir", str(tmp_path / "res"),
            "--dataset-dir", str(features_dir), "--model-path", str(model), "--test-query-count", "8",
            "--threads", "1", "--target-qps", "1000", *extra]


def test_run_scores_f1_and_exact_match_into_accuracy_txt(tmp_path, features_dir, table_bert):
    out = io.StringIO()
    perf, acc = mlrun.run(_run_args(tmp_path, features_dir, table_bert, "--scenario", "Offline"), out=out)
    assert perf["result"]["mode"] == "performance" and perf["result"]["value"] > 0
    # the stand-in answers 2 of the 6 questions exactly and gets no word of the others right
    assert acc["accuracy_metric"] == "F1" and acc["accuracy"] == pytest.approx(100 * 2 / 6)
    assert acc["info"]["accuracy_details"]["exact_match"] == pytest.approx(100 * 2 / 6)
    assert acc["result"]["validity"] == "VALID"
    lines = (tmp_path / "res" / acc["sut"] / "bert-99" / "offline" / "accuracy" / "accuracy.txt"
             ).read_text().splitlines()
    assert json.loads(lines[0]) == pytest.approx({"exact_match": 100 * 2 / 6, "f1": 100 * 2 / 6})
    assert lines[1].startswith("hash=")
    table = out.getvalue()
    assert "| F1 " in table and "33.333%" in table
    m = json.loads((tmp_path / "res" / acc["sut"] / "bert-99" / "offline" / "measurements.json").read_text())
    assert m["mlperf_model"] == "bert-99" and m["model_mapping"] is None


def test_bert_refuses_backends_that_load_single_input_models(tmp_path, features_dir, table_bert):
    # tf runs bert's frozen model.pb (tests/edge/test_bert_tf.py), pytorch its model.pytorch
    # (tests/edge/test_pytorch_bert.py); tensorflow-metal has no bert form
    args = _run_args(tmp_path, features_dir, table_bert)
    args[args.index("onnxruntime")] = "tensorflow-metal"
    with pytest.raises(UnknownChoiceError,
                       match="backend for bert-99 'tensorflow-metal'; choices: deepsparse, onnxruntime, pytorch, tf"):
        mlrun.run(args, out=io.StringIO())


def test_a_model_without_berts_inputs_is_named(run_module, tmp_path, features_dir):
    from onnx import TensorProto, helper, save
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "other",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])])
    other = tmp_path / "other.onnx"
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]), str(other))
    p, _ = _harness(run_module, tmp_path, features_dir, other, "Offline", "performance")
    assert p.returncode == 2 and "has no input 'input_ids'" in p.stderr and "other.onnx" in p.stderr


def test_missing_features_dir_points_to_the_squad_preprocessing(tmp_path, table_bert):
    # checked in the harness process, whose error comes back as the run's
    with pytest.raises(MlperfError, match="does-not-exist .*cmperf.mlperf.squad.preprocess"):
        mlrun.run(_run_args(tmp_path, tmp_path / "does-not-exist", table_bert, "--mode", "performance"),
                  out=io.StringIO())
    args = _run_args(tmp_path, "x", table_bert, "--mode", "performance")
    del args[args.index("--dataset-dir"):args.index("--dataset-dir") + 2]
    with pytest.raises(MlperfError, match="needs --dataset-dir .*cmperf.mlperf.squad.preprocess"):
        mlrun.run(args, out=io.StringIO())


def test_changed_vocab_is_refused_at_the_accuracy_step(tmp_path, features_dir, table_bert, vocab_file):
    vocab_file.write_text(vocab_file.read_text() + "extra\n")
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        mlrun.run(_run_args(tmp_path, features_dir, table_bert, "--mode", "accuracy"), out=io.StringIO())
    assert not list((tmp_path / "res").glob("*/bert-99/offline/accuracy"))  # no half-written result


def test_corrupt_model_file_is_a_model_error(tmp_path, features_dir):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx graph")
    with pytest.raises(MlperfError, match="onnxruntime cannot load model file .*model.onnx"):
        mlrun.run(_run_args(tmp_path, features_dir, bad, "--mode", "performance"), out=io.StringIO())


def test_a_bert_run_becomes_a_submission_tree_checked_with_berts_rules(tmp_path, features_dir, table_bert):
    """Harness results -> generator -> our checker, with bert-99's own rules (F1 line, scenarios)."""
    from cmperf.submission.generate import generate, build_parser
    mlrun.run(_run_args(tmp_path, features_dir, table_bert, "--scenario", "Offline", "--round", "v3.1"),
              out=io.StringIO())
    said = []
    args = build_parser().parse_args([
        "--results-dir", str(tmp_path / "res"), "--submission-dir", str(tmp_path / "submission"),
        "--division", "open", "--submitter", "TestOrg", "--version", "v3.1", "--test-run",
        "--system-json", str(ROOT / "docs" / "system-example.json")])
    report = generate(args, out=said.append)
    rules = {f.rule for f in report.errors}
    # what a short test run must have; the accuracy (F1 33.3) is read with bert's pattern and is
    # fine in the open division
    assert rules == {"perf.min-duration", "perf.samples-per-query"}, said
    (acc_txt,) = (tmp_path / "submission").glob("open/TestOrg/results/*/bert-99/Offline/accuracy/accuracy.txt")
    assert acc_txt.read_text().startswith('{"exact_match": 33.3')
    assert any("F1" in line and "33.33" in line for line in said), said
