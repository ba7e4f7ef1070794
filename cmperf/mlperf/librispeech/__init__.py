"""LibriSpeech (MLPerf RNN-T): the sample manifest the reference's QSL and accuracy_eval.py read."""
