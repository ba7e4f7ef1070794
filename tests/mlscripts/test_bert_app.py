"""bert-99 through `cm run script --tags=run-mlperf,inference`: the SQuAD dataset scripts (served
locally), the harness and the F1/EM step, with a stand-in model that knows the one answer."""
import json

from .conftest import serve_squad


def test_bert_99_end_to_end_through_cm(cm, server, tmp_path, make_table_bert):
    flags = serve_squad(server)
    model = make_table_bert(tmp_path / "bert.onnx", server.dir / "vocab.txt", ["1820"], ["1820"])
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=bert-99", f"--model_path={model}",
                        f"--results_dir={tmp_path / 'results'}", "--test_query_count=4", "--threads=1",
                        "--offline_target_qps=1000", "-j", *flags)
    assert rc == 0, text[-3000:]
    perf, acc = data["new_state"]["mlperf-inference"]["runs"]
    assert perf["model"] == "bert-99" and perf["result"]["value"] > 0
    assert acc["accuracy_metric"] == "F1" and acc["accuracy"] == 100.0
    lines = open(f"{acc['dir']}/accuracy.txt").read().splitlines()
    assert json.loads(lines[0]) == {"exact_match": 100.0, "f1": 100.0} and lines[1].startswith("hash=")
    assert "| F1" in text


def test_bert_99_without_network_names_the_model_file(cm, server, tmp_path):
    # no --model_path: the official model.onnx must come from the network or a mirror
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=bert-99", f"--mirror={tmp_path}", "--offline",
                     f"--results_dir={tmp_path / 'results'}", *serve_squad(server))
    assert rc != 0 and "model.onnx" in text and "819b25b19cd8e59080c10892689750ca" in text
