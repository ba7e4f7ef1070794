"""MLPerf Inference harness library: models, backends, LoadGen harness, accuracy, results.

Everything here is plain Python with exceptions (see :mod:`cmperf.mlperf.errors`); CM script
hooks call these modules and translate exceptions into CM return dicts.

Entry points (``python -m ...``):
  cmperf.mlperf.run                     the whole run: user.conf, LoadGen per mode, accuracy, results dir, table
  cmperf.mlperf.harness                 one LoadGen test (QSL + SUT) in this process
  cmperf.mlperf.models.digits           build the embedded offline default benchmark (digits-mlp)
  cmperf.mlperf.models.resnet50_random  a random-weights ResNet-50 v1.5 graph (performance only)
  cmperf.mlperf.accuracy.imagenet       top-1 from mlperf_log_accuracy.json -> accuracy.txt
  cmperf.mlperf.preprocess.imagenet     JPEGs + val_map -> preprocessed dataset dir (reference pre_process_vgg)
  cmperf.mlperf.logparse LOG_DIR        the parsed result of a LoadGen run (exit 1 when INVALID)
  cmperf.mlperf.accuracy.wer            word error rate of rnnt logs -> accuracy.txt
"""
