"""BERT (bert-99) on SQuAD v1.1 for the MLPerf harness.

Modules, in pipeline order:

* ``tokenization``  BERT uncased WordPiece tokenizer (reference FullTokenizer behaviour)
* ``examples``      SQuAD v1.1 json -> one example per question
* ``features``      examples -> 384-token input windows (doc stride 128, query <= 64)
* ``feature_store`` the features dir (``.npy`` arrays + ``manifest.json``), written atomically
* ``preprocess``    CLI building a features dir
* ``qsl``           the bert-99 query sample library (named int64 model inputs per sample)
* ``loadgen_log``   decoding ``mlperf_log_accuracy.json``
* ``postprocess``   logits -> answer text (n-best 20, max answer length 30)
* ``evaluate``      the official SQuAD v1.1 exact match / F1
* ``accuracy``      CLI writing ``accuracy.txt`` (MLPerf line + ``hash=``)

All bad input raises :class:`errors.SquadError` with a message naming the file.
"""
from .errors import SquadError

__all__ = ["SquadError"]
