"""The QSL adapter driven the way the harness will: ONNX Runtime model, real LoadGen run,
then the accuracy CLI on the log LoadGen wrote."""
import array
import json

import mlperf_loadgen as lg
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from cmperf.mlperf.squad.accuracy import main as accuracy_main
from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.qsl import SquadQSL
from cmperf.mlperf.squad.tokenization import load_vocab


def test_inputs_are_int64_rows_named_like_the_bert_onnx_inputs(features_dir):
    qsl = SquadQSL(str(features_dir))
    manifest = json.loads((features_dir / "manifest.json").read_text())
    assert qsl.total_sample_count == qsl.performance_sample_count == manifest["num_features"]
    feeds = qsl.get_inputs([2, 0])
    assert sorted(feeds) == ["input_ids", "input_mask", "segment_ids"]
    ids = np.load(features_dir / "input_ids.npy")
    for value in feeds.values():
        assert value.dtype == np.int64 and value.shape == (2, 384) and value.flags.c_contiguous
    assert (feeds["input_ids"] == ids[[2, 0]]).all()
    renamed = SquadQSL(str(features_dir), input_names={"input_ids": "input_ids",
                                                       "input_mask": "attention_mask",
                                                       "segment_ids": "token_type_ids"})
    assert sorted(renamed.get_inputs([1])) == ["attention_mask", "input_ids", "token_type_ids"]
    with pytest.raises(SquadError, match="sample index out of range"):
        qsl.get_inputs([qsl.total_sample_count])
    assert SquadQSL(str(features_dir), performance_sample_count=3).performance_sample_count == 3
    with pytest.raises(SquadError, match="performance_sample_count must be in 1.."):
        SquadQSL(str(features_dir), performance_sample_count=qsl.total_sample_count + 1)


def test_response_bytes_are_float32_seq_by_2(features_dir):
    qsl = SquadQSL(str(features_dir))
    start = np.arange(2 * 384, dtype=np.float32).reshape(2, 384)
    end = -start
    for outputs in ([start, end], {"output_start_logits": start, "output_end_logits": end},
                    np.stack([start, end], axis=-1)):
        payloads = qsl.response_bytes(outputs)
        assert len(payloads) == 2
        decoded = np.frombuffer(payloads[1], np.float32).reshape(384, 2)
        assert (decoded[:, 0] == start[1]).all() and (decoded[:, 1] == end[1]).all()
    with pytest.raises(SquadError, match="cannot tell start from end"):
        qsl.response_bytes({"a": start, "b": end})


def _table_model(vocab, starts, ends):
    """A stand-in for bert-large: logit = per-token-id score, on context positions only."""

    start_table = np.zeros(len(vocab), np.float32)
    end_table = np.zeros(len(vocab), np.float32)
    start_table[[vocab[t] for t in starts]] = 10.0
    end_table[[vocab[t] for t in ends]] = 10.0
    nodes = [
        helper.make_node("Cast", ["segment_ids"], ["segf"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["start_table", "input_ids"], ["s_raw"]),
        helper.make_node("Gather", ["end_table", "input_ids"], ["e_raw"]),
        helper.make_node("Mul", ["s_raw", "segf"], ["output_start_logits"]),
        helper.make_node("Mul", ["e_raw", "segf"], ["output_end_logits"]),
        # input_mask is an input of the real model; consume it so the graph declares it.
        helper.make_node("Identity", ["input_mask"], ["mask_out"]),
    ]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", 384])
              for n in ("input_ids", "input_mask", "segment_ids")]
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", 384])
               for n in ("output_start_logits", "output_end_logits")]
    outputs.append(helper.make_tensor_value_info("mask_out", TensorProto.INT64, ["batch", 384]))
    graph = helper.make_graph(nodes, "table_bert", inputs, outputs, initializer=[
        helper.make_tensor("start_table", TensorProto.FLOAT, [len(vocab)], start_table),
        helper.make_tensor("end_table", TensorProto.FLOAT, [len(vocab)], end_table)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def test_loadgen_offline_accuracy_run_end_to_end(tmp_path, features_dir, squad_json, vocab_file):
    vocab = load_vocab(vocab_file)
    session = ort.InferenceSession(_table_model(vocab, ["denver", "ada"], ["broncos", "lovelace"]),
                                   providers=["CPUExecutionProvider"])
    qsl = SquadQSL(str(features_dir))

    def issue_queries(samples):
        feeds = qsl.get_inputs([s.index for s in samples])
        outputs = session.run(["output_start_logits", "output_end_logits"], feeds)
        buffers = [array.array("B", p) for p in qsl.response_bytes(outputs)]
        lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, b.buffer_info()[0], len(b))
                                 for s, b in zip(samples, buffers)])

    sut = lg.ConstructSUT(issue_queries, lambda: None)
    lg_qsl = lg.ConstructQSL(qsl.total_sample_count, qsl.performance_sample_count,
                             qsl.load_samples, qsl.unload_samples)
    settings = lg.TestSettings()
    settings.scenario = lg.TestScenario.Offline
    settings.mode = lg.TestMode.AccuracyOnly
    log_settings = lg.LogSettings()
    log_settings.log_output.outdir = str(tmp_path)
    log_settings.log_output.copy_summary_to_stdout = False
    try:
        lg.StartTestWithLogSettings(sut, lg_qsl, settings, log_settings)
    finally:
        lg.DestroyQSL(lg_qsl)
        lg.DestroySUT(sut)

    log = tmp_path / "mlperf_log_accuracy.json"
    assert len(json.loads(log.read_text())) == qsl.total_sample_count
    out = tmp_path / "accuracy.txt"
    preds = tmp_path / "predictions.json"
    assert accuracy_main(["--mlperf-accuracy-file", str(log), "--features-dir", str(features_dir),
                          "--squad-json", str(squad_json), "--vocab", str(vocab_file),
                          "--out", str(out), "--predictions-out", str(preds)]) == 0
    predictions = json.loads(preds.read_text())
    # The table model knows two answers; with flat logits the others fall on the first word.
    assert predictions["q-broncos"] == "Denver Broncos"
    assert predictions["q-designer"] == "Ada Lovelace"
    assert predictions["q-stadium"] == "Denver Broncos"
    assert predictions["q-process"] == "Plants"
    scores = json.loads(out.read_text().splitlines()[0])
    assert scores == pytest.approx({"exact_match": 100 * 2 / 6, "f1": 100 * 2 / 6})
