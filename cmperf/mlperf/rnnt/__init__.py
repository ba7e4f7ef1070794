"""RNN-T (speech recognition, LibriSpeech) as MLPerf's reference runs it, in plain PyTorch.

- ``config``: the dimensions of speech_recognition/rnnt/pytorch/configs/rnnt.toml, and the
  dimensions of a checkpoint read from its tensor shapes (the official one or a small stand-in);
- ``features``: the reference's log-mel filterbank (pytorch/parts/features.py), librosa-free;
- ``model``: the network with the official checkpoint's parameter names, and its loader;
- ``decoder``: the reference's greedy transducer decoding (decoders.py, 30 symbols per step);
- ``audio`` / ``qsl``: 16 kHz WAVs of the preprocessed manifest, one waveform per sample;
- ``backend``: features + encoder + greedy decoder per sample, as pytorch_SUT.py's issue_queries.
"""
