"""Accuracy scripts over LoadGen's mlperf_log_accuracy.json, writing MLPerf-format accuracy.txt."""
