"""Manual cross-check against Google's BERT reference code (not collected by pytest).

The MLPerf BERT reference builds its features and answers with the code of Google's
``tokenization.py`` / ``run_squad.py`` (via DeepLearningExamples). This script loads
that code from the ``bert-tensorflow`` wheel, with tiny stand-ins for the TensorFlow,
absl and six imports it never uses on these paths, and compares on random data:

1. FullTokenizer output on 4000 random strings (ASCII, punctuation, accents and
   combining marks, CJK, kana, Hangul, emoji, control and odd whitespace);
2. every field of convert_examples_to_features (384 / 128 / 64) on a random SQuAD
   file with contexts up to 900 words and questions up to 90 words;
3. write_predictions (n-best 20, max answer 30) against ours on random logits
   rounded to 0.1 so ties occur.

Run (the wheel is fetched with pip's ordinary client):

    pip download --no-deps bert-tensorflow==1.0.4 -d /tmp/bertwheel
    PYTHONPATH=$PWD python tests/squad/xcheck_reference.py /tmp/bertwheel/bert_tensorflow-1.0.4-py2.py3-none-any.whl
"""
import json
import os
import random
import sys
import tempfile
import zipfile

import numpy as np

STUBS = {
    "_stub_common.py": (
        "class Anything:\n"
        "    def __getattr__(self, name): return Anything()\n"
        "    def __call__(self, *a, **k): return Anything()\n"
        "class Flags: pass\n"
        "FLAGS = Flags()\n"
        "FLAGS.version_2_with_negative = False\n"
        "FLAGS.null_score_diff_threshold = 0.0\n"
        "FLAGS.verbose_logging = False\n"
        "FLAGS.preserve_unused_tokens = False\n"),
    "absl/__init__.py": "",
    "absl/flags.py": (
        "from _stub_common import FLAGS\n"
        "def _define(*a, **k): pass\n"
        "DEFINE_string = DEFINE_bool = DEFINE_integer = DEFINE_float = DEFINE_boolean = _define\n"),
    "tensorflow/__init__.py": "",
    "tensorflow/compat/__init__.py": "",
    "tensorflow/compat/v1.py": (
        "import types\n"
        "from _stub_common import Anything\n"
        "import absl.flags as flags\n"
        "gfile = types.SimpleNamespace(GFile=open, Open=open, MakeDirs=lambda p: None)\n"
        "train = types.SimpleNamespace(Optimizer=object)\n"
        "logging = types.SimpleNamespace(info=lambda *a, **k: None, warning=lambda *a, **k: None)\n"
        "def __getattr__(name): return Anything()\n"),
    "tensorflow/contrib/__init__.py": (
        "from _stub_common import Anything\nlayers = tpu = cluster_resolver = Anything()\n"),
    "six.py": ("PY3, PY2 = True, False\ntext_type, binary_type = str, bytes\n"
               "def iteritems(d): return iter(d.items())\n"),
}


def load_reference(wheel, workdir):
    for name, text in STUBS.items():
        path = os.path.join(workdir, "stubs", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(os.path.join(workdir, "ref"))
    sys.path[:0] = [os.path.join(workdir, "stubs"), os.path.join(workdir, "ref")]
    from bert import run_squad, tokenization
    return tokenization, run_squad


def main(wheel):
    from cmperf.mlperf.squad import tokenization as my_tok
    from cmperf.mlperf.squad.examples import read_squad_examples
    from cmperf.mlperf.squad.features import convert_examples_to_features
    from cmperf.mlperf.squad.postprocess import predict_answers

    tmp = tempfile.mkdtemp(prefix="squad-xcheck-")
    ref_tok, ref = load_reference(wheel, tmp)
    rng = random.Random(1234)
    chars = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 4
             + list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + list("éüñçÉÅøßæœ")
             + ["e\u0301", "a\u0308"] + list("北京中文字カタひら한국αβγЖж")
             + ["\u2013", "\u2014", "\u201c", "\u201d", "\u00bf", "\u00a7", "\u00b0", "€", "😀"]
             + ["\x00", "\x07", "\u200b", "\ufffd", "\u00ad"])
    spaces = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000"]

    def word():
        return "".join(rng.choice(chars) for _ in range(rng.randint(1, 9)))

    def text(n):
        return "".join(word() + rng.choice(spaces) for _ in range(n))

    corpus = [text(rng.randint(1, 12)) for _ in range(4000)]
    basic = ref_tok.BasicTokenizer(do_lower_case=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    for w in sorted({t for s in corpus for t in basic.tokenize(s)}):
        r = rng.random()
        if r < 0.5:
            vocab.append(w)
        elif r < 0.8 and len(w) > 2:
            k = rng.randint(1, len(w) - 1)
            vocab += [w[:k], "##" + w[k:]]
    vocab_path = os.path.join(tmp, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("\n".join(dict.fromkeys(vocab)) + "\n")

    rt = ref_tok.FullTokenizer(vocab_path, do_lower_case=True)
    mt = my_tok.FullTokenizer(vocab_path, do_lower_case=True)
    assert rt.vocab == mt.vocab
    bad = sum(rt.tokenize(s) != mt.tokenize(s) for s in corpus)
    bad_cased = sum(ref_tok.BasicTokenizer(do_lower_case=False).tokenize(s)
                    != my_tok.BasicTokenizer(do_lower_case=False).tokenize(s) for s in corpus)
    print(f"tokenizer: {len(corpus)} strings, uncased mismatches {bad}, cased basic mismatches {bad_cased}")

    articles = []
    for a in range(6):
        paragraphs = []
        for p in range(5):
            ctx = " ".join(rng.choice(corpus).split()[0] if rng.random() < 0.3 else word()
                           for _ in range(rng.choice([5, 40, 150, 400, 900])))
            qas = [{"id": f"{a}-{p}-{q}", "question": text(rng.choice([3, 8, 30, 90])),
                    "answers": [{"text": ctx.split()[0], "answer_start": 0}]}
                   for q in range(rng.randint(1, 4))]
            paragraphs.append({"context": ctx, "qas": qas})
        articles.append({"title": f"t{a}", "paragraphs": paragraphs})
    squad_path = os.path.join(tmp, "squad.json")
    with open(squad_path, "w", encoding="utf-8") as f:
        json.dump({"version": "1.1", "data": articles}, f)

    ref_examples = ref.read_squad_examples(squad_path, is_training=False)
    ref_features = []
    ref.convert_examples_to_features(ref_examples, rt, 384, 128, 64, False, ref_features.append)
    my_examples = read_squad_examples(squad_path)
    fs = convert_examples_to_features(my_examples, mt)
    assert [e.doc_tokens for e in my_examples] == [e.doc_tokens for e in ref_examples]
    assert len(fs) == len(ref_features)
    for i, f in enumerate(ref_features):
        assert fs.input_ids[i].tolist() == f.input_ids
        assert fs.input_mask[i].tolist() == f.input_mask
        assert fs.segment_ids[i].tolist() == f.segment_ids
        assert (fs.example_index[i], fs.doc_span_index[i]) == (f.example_index, f.doc_span_index)
        assert {j: int(v) for j, v in enumerate(fs.token_to_orig[i]) if v >= 0} == f.token_to_orig_map
        assert {j for j in range(384) if fs.token_is_max_context[i, j]} == \
            {j for j, v in f.token_is_max_context.items() if v}
    print(f"features: {len(ref_examples)} examples -> {len(ref_features)} features, all fields identical")

    for trial in range(3):
        results, logits = [], {}
        for i, f in enumerate(ref_features):
            gen = np.random.default_rng(trial * 100000 + i)
            s, e = (np.round(gen.normal(size=384) * 3, 1).astype(np.float32) for _ in range(2))
            results.append(ref.RawResult(unique_id=f.unique_id, start_logits=s.tolist(),
                                         end_logits=e.tolist()))
            logits[i] = (s, e)
        out = os.path.join(tmp, "pred.json")
        ref.write_predictions(ref_examples, ref_features, results, 20, 30, True, out,
                              os.path.join(tmp, "nbest.json"), os.path.join(tmp, "null.json"))
        with open(out, encoding="utf-8") as f:
            ref_pred = json.load(f)
        my_pred = predict_answers(my_examples, fs, logits, mt)
        differ = [k for k in ref_pred if ref_pred[k] != my_pred[k]]
        print(f"predictions trial {trial}: {len(ref_pred)} questions, {len(differ)} differ")
        assert not differ
    print("OK: identical to the reference on all three checks")


if __name__ == "__main__":
    main(sys.argv[1])
