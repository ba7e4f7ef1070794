"""OpenImages (MLPerf RetinaNet): annotations, the reference's preprocessing, detections, mAP.

The MLPerf subset is described by ``annotations/openimages-mlperf.json`` (COCO format). LoadGen's
sample index ``i`` is the i-th entry of that file's ``images`` list, as the reference's
accuracy-openimages.py assumes; preprocessing keeps that order.
"""
