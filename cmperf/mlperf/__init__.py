"""MLPerf Inference harness library: models, backends, LoadGen harness, accuracy, results.

Everything here is plain Python with exceptions (see :mod:`cmperf.mlperf.errors`); CM script
hooks call these modules and translate exceptions into CM return dicts.
"""
