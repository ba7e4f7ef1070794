"""Classify one image with an ImageNet ONNX classifier (upstream's app-image-classification-onnx-py):
the MLPerf reference preprocessing, onnxruntime on CPU, the top-k labels of synset_words.txt."""
import os

import numpy as np

from ..core.errors import CmperfError
from ..mlperf.preprocess import imagenet


class ClassifyError(CmperfError):
    pass


def load_labels(path):
    """synset_words.txt ('n01440764 tench, Tinca tinca') -> ['tench, Tinca tinca', ...]."""
    if not path or not os.path.isfile(path):
        raise ClassifyError(f"labels file not found: {path or '(none)'} (synset_words.txt of the ImageNet aux files)")
    with open(path, encoding="utf-8") as f:
        labels = [line.strip().split(" ", 1)[-1] for line in f if line.strip()]
    if len(labels) != 1000:
        raise ClassifyError(f"{path}: {len(labels)} labels, expected the 1000 ImageNet classes")
    return labels


def first_image(directory):
    for root, _dirs, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if name.lower().endswith((".jpg", ".jpeg", ".png")):
                return os.path.join(root, name)
    raise ClassifyError(f"no image in {directory}; pass --input=IMAGE")


def classify(model_path, image_path, labels, top_k=5):
    """[(class index, label, probability)] of the top_k classes, best first."""
    import onnxruntime as ort
    if not os.path.isfile(model_path):
        raise ClassifyError(f"model not found: {model_path}")
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    shape = inp.shape
    nchw = len(shape) == 4 and shape[1] == 3
    size = shape[2] if nchw else shape[1]
    size = size if isinstance(size, int) else 224
    x = imagenet.preprocess_bgr(imagenet.load_image(image_path), size=size, nchw=nchw)[None, ...]
    outputs = session.run(None, {inp.name: x.astype(np.float32)})
    scores = next((o for o in outputs if getattr(o, "ndim", 0) == 2 and o.shape[1] in (1000, 1001)), None)
    if scores is None:
        raise ClassifyError(f"{model_path}: no output of 1000 or 1001 class scores "
                            f"(outputs: {[getattr(o, 'shape', None) for o in outputs]})")
    scores = scores[0, 1:] if scores.shape[1] == 1001 else scores[0]     # 1001: class 0 is background
    if not np.all((scores >= 0) & (scores <= 1)) or abs(float(scores.sum()) - 1) > 0.01:
        e = np.exp(scores - scores.max())
        scores = e / e.sum()                                             # logits -> probabilities
    best = np.argsort(-scores)[:top_k]
    return [(int(i), labels[i], float(scores[i])) for i in best]
