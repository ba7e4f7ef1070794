"""BERT vocab.txt: a verified --from copy or the official file (prehook download)."""
from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    sources.dataset_source(i["env"], "the BERT vocabulary (vocab.txt)")


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_ML_MODEL_BERT_VOCAB_FILE_WITH_PATH"] = env["CM_DATASET_SQUAD_VOCAB_PATH"]
