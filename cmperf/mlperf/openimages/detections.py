"""RetinaNet outputs -> the response the reference SUT sends LoadGen for each image.

The reference (``PostProcessOpenImagesRetinanet(False, 0.05, 800, 800, False)`` for the ONNX model,
then ``np.array(results, np.float32).tobytes()`` in main.py) answers each sample with float32 rows
``[qsl_idx, ymin, xmin, ymax, xmax, score, label]``: the model's ``xmin, ymin, xmax, ymax`` boxes
(pixels of the 800x800 input) divided by 800, taken in the model's (descending) score order up to the
first score below 0.05. The response size varies per image (0 rows when nothing is detected), which
is why this encoder is ``variable``: it returns one flat array per sample instead of fixed-width rows.
"""
import numpy as np

SCORE_THRESHOLD = 0.05
# the official export's output names (retinanet_pytorch_to_onnx.py); fetched in the order the
# reference post-processing reads them: boxes, labels, scores
OUTPUT_NAMES = ["boxes", "labels", "scores"]


class Detections:
    variable = True
    dtype = np.float32
    width = 7            # floats per detection row
    fill = np.zeros(0, np.float32)   # the response of a sample whose inference failed: no detections

    def __init__(self, height=800, width=800, score_threshold=SCORE_THRESHOLD):
        self.height, self.width_px, self.threshold = float(height), float(width), float(score_threshold)

    def one(self, qsl_idx, boxes, labels, scores):
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        scores = np.asarray(scores, np.float32).reshape(-1)
        labels = np.asarray(labels).reshape(-1)
        if not (len(boxes) == len(scores) == len(labels)):
            raise ValueError(f"detections disagree in count: {len(boxes)} boxes, {len(scores)} scores, "
                             f"{len(labels)} labels")
        below = np.nonzero(scores < self.threshold)[0]
        n = int(below[0]) if len(below) else len(scores)   # the reference stops at the first low score
        rows = np.empty((n, 7), np.float32)
        rows[:, 0] = float(qsl_idx)
        rows[:, 1] = boxes[:n, 1] / self.height
        rows[:, 2] = boxes[:n, 0] / self.width_px
        rows[:, 3] = boxes[:n, 3] / self.height
        rows[:, 4] = boxes[:n, 2] / self.width_px
        rows[:, 5] = scores[:n]
        rows[:, 6] = labels[:n].astype(np.float32)
        return rows.reshape(-1)

    def __call__(self, outputs, indices=None):
        """``outputs`` = [boxes, labels, scores] of one image ([N,4], [N], [N]) or of a batch
        ([B,N,4], [B,N], [B,N]); returns one flat float32 array per sample index (``indices``
        None: a warm-up call, rows carry 0, 1, ...)."""
        if not isinstance(outputs, (list, tuple)) or len(outputs) != 3:
            raise ValueError("a RetinaNet model must return three outputs: boxes, labels, scores")
        boxes, labels, scores = (np.asarray(o) for o in outputs)
        if indices is None:
            indices = list(range(1 if boxes.ndim == 2 else len(boxes)))
        if boxes.ndim == 2:  # the official export: batch 1, outputs without a batch axis
            if len(indices) != 1:
                raise ValueError(f"the model answers one image per call, {len(indices)} were sent")
            return [self.one(indices[0], boxes, labels, scores)]
        if boxes.ndim != 3 or len(boxes) != len(indices):
            raise ValueError(f"boxes of shape {list(boxes.shape)} do not match a batch of {len(indices)}")
        return [self.one(i, b, lab, s) for i, b, lab, s in zip(indices, boxes, labels, scores)]
