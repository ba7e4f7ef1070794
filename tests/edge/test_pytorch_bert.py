"""bert-99/99.9 on --backend=pytorch: the official model.pytorch (a state dict of transformers'
BertForQuestionAnswering, loaded by the reference pytorch_SUT.py) in cmperf's own module
(backends.torch_bert), on tiny stand-ins with the official key names."""
import io
import json

import numpy as np
import pytest

from tests.mlscripts.conftest import md5, serve_squad

torch = pytest.importorskip("torch")

OFFICIAL_LAYER_KEYS = [   # per encoder layer, as transformers names them in model.pytorch
    "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
    "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias",
    "attention.output.dense.weight", "attention.output.dense.bias", "attention.output.LayerNorm.weight",
    "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
    "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"]


def _random_state(vocab=40, hidden=128, layers=2, inner=96, seed=0):
    """A state dict in the official names (with the pooler older transformers saved) and random values."""
    g = torch.Generator().manual_seed(seed)

    def r(*shape):
        return torch.randn(*shape, generator=g) * 0.2

    s = {"bert.embeddings.word_embeddings.weight": r(vocab, hidden),
         "bert.embeddings.position_embeddings.weight": r(512, hidden),
         "bert.embeddings.token_type_embeddings.weight": r(2, hidden),
         "bert.embeddings.LayerNorm.weight": 1 + r(hidden), "bert.embeddings.LayerNorm.bias": r(hidden)}
    shapes = {"attention.self": (hidden, hidden), "attention.output.dense": (hidden, hidden),
              "intermediate.dense": (inner, hidden), "output.dense": (hidden, inner)}
    for i in range(layers):
        for k in OFFICIAL_LAYER_KEYS:
            if "LayerNorm" in k:
                s[f"bert.encoder.layer.{i}.{k}"] = (1 + r(hidden)) if k.endswith("weight") else r(hidden)
                continue
            shape = next(v for p, v in shapes.items() if k.startswith(p))
            s[f"bert.encoder.layer.{i}.{k}"] = r(*shape) if k.endswith("weight") else r(shape[0])
    s.update({"bert.pooler.dense.weight": r(hidden, hidden), "bert.pooler.dense.bias": r(hidden),
              "qa_outputs.weight": r(2, hidden), "qa_outputs.bias": r(2)})
    return s


def _save(state, path, legacy=False):
    torch.save(state, str(path), _use_new_zipfile_serialization=not legacy)
    return str(path)


def _batch(n=2, seq=384, vocab=40, seed=1):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab, (n, seq)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[:, 300:] = 0
    seg = np.zeros_like(ids)
    seg[:, 20:300] = 1
    return {"input_ids": ids, "input_mask": mask, "segment_ids": seg}


NAMES = (["input_ids", "input_mask", "segment_ids"], ["output_start_logits", "output_end_logits"])


def test_state_dict_loads_strictly_and_matches_its_onnx_export(tmp_path):
    """The pytorch path and the onnxruntime path on the same weights: the module exported with the
    official ONNX names gives the same start/end logits through both backends."""
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.backends.torch_bert import BertForQuestionAnswering

    state = _random_state()
    pt = get_backend("pytorch", threads=1).load(_save(state, tmp_path / "model.pytorch", legacy=True), *NAMES)
    assert pt.describe()["model_form"] == "torch_bert"
    batch = _batch()
    start, end = pt.predict(batch)
    assert start.shape == end.shape == (2, 384) and start.dtype == np.float32

    model = BertForQuestionAnswering.from_state_dict(state)
    buf = io.BytesIO()
    args = tuple(torch.from_numpy(batch[n]) for n in NAMES[0])
    torch.onnx.export(model, args, buf, dynamo=False, input_names=NAMES[0], output_names=NAMES[1],
                      opset_version=13, dynamic_axes={n: {0: "batch"} for n in NAMES[0] + NAMES[1]})
    (tmp_path / "model.onnx").write_bytes(buf.getvalue())
    ox = get_backend("onnxruntime", threads=1).load(str(tmp_path / "model.onnx"), *NAMES)
    o_start, o_end = ox.predict(batch)
    assert np.allclose(start, o_start, atol=1e-4) and np.allclose(end, o_end, atol=1e-4)


def test_padding_beyond_the_mask_changes_nothing(tmp_path):
    from cmperf.mlperf.backends import get_backend

    pt = get_backend("pytorch", threads=1).load(_save(_random_state(), tmp_path / "m.pytorch"), *NAMES)
    a = _batch(n=1)
    b = {k: v.copy() for k, v in a.items()}
    b["input_ids"][:, 300:] = 7          # different tokens where input_mask is 0
    sa, sb = pt.predict(a)[0], pt.predict(b)[0]
    assert np.allclose(sa[:, :300], sb[:, :300], atol=1e-5)
    b["input_ids"][:, 100] = (a["input_ids"][0, 100] + 1) % 40   # a visible token: attention spreads it
    assert not np.allclose(pt.predict(b)[0][:, :50], sa[:, :50], atol=1e-5)


def test_a_wrong_or_foreign_state_dict_is_refused_naming_the_file(tmp_path):
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.errors import ModelFileError

    state = _random_state(layers=1)
    del state["bert.encoder.layer.0.output.dense.bias"]
    with pytest.raises(ModelFileError, match=r"(?s)bad.pytorch.*does not load.*output\.dense\.bias"):
        get_backend("pytorch").load(_save(state, tmp_path / "bad.pytorch"), *NAMES)
    with pytest.raises(ModelFileError, match=r"(?s)other.pth.*no architecture.*supported"):
        get_backend("pytorch").load(_save({"w": torch.zeros(2)}, tmp_path / "other.pth"), *NAMES)


def answer_state(vocab_file, answer, hidden=64):
    """A BERT whose layers add nothing (output projections zero) and whose QA head scores the
    answer's token: start and end logits are 10 * LayerNorm(one-hot(token))[answer] -> the span
    is that one token, wherever the question and context put it."""
    from cmperf.mlperf.squad.tokenization import load_vocab
    vocab = load_vocab(str(vocab_file))
    s = _random_state(vocab=len(vocab), hidden=hidden, layers=1, inner=32)
    s["bert.embeddings.word_embeddings.weight"] = torch.eye(len(vocab), hidden)
    for k in ("position_embeddings", "token_type_embeddings"):
        s[f"bert.embeddings.{k}.weight"].zero_()
    for k, v in s.items():
        if "LayerNorm" in k:
            v.fill_(1.0 if k.endswith("weight") else 0.0)
        elif k.endswith(("attention.output.dense.weight", "attention.output.dense.bias",
                         "0.output.dense.weight", "0.output.dense.bias")):
            v.zero_()
    head = torch.zeros(2, hidden)
    head[:, vocab[answer]] = 10.0
    s["qa_outputs.weight"], s["qa_outputs.bias"] = head, torch.zeros(2)
    return s


def test_bert_99_on_pytorch_through_cm(cm, server, tmp_path):
    flags = serve_squad(server)
    path = _save(answer_state(server.dir / "vocab.txt", "1820"), server.dir / "model.pytorch", legacy=True)
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=bert-99", "--backend=pytorch",
                        "--scenario=SingleStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=2", "--threads=1", "--offline_target_qps=1000", "-j",
                        f"--adr.ml-model.url={server.url('model.pytorch')}",
                        f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(path)}", *flags)
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 4 and len(acc) == 2
    for r in acc:
        assert r["accuracy_metric"] == "F1" and r["accuracy"] == 100.0
        lines = open(f"{r['dir']}/accuracy.txt").read().splitlines()
        assert json.loads(lines[0]) == {"exact_match": 100.0, "f1": 100.0}


def test_bert_on_pytorch_plans_model_pytorch_and_refuses_int8(cm):
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=bert-99.9", "--backend=pytorch", "--plan")
    assert rc == 0, text[-3000:]
    assert "https://zenodo.org/record/3733896/files/model.pytorch" in text
    assert "md5:00fbcbfaebfa20d87ac9885120a6e9b4" in text
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=bert-99", "--backend=pytorch", "--precision=int8", "--plan")
    assert rc != 0 and "precision for bert-99 on pytorch 'int8'; choices: fp32" in text
