"""Classify the image (logic in cmperf.apps.image_classification)."""
import os

from cmperf.apps import image_classification as ic
from cmperf.core.cm_hook import cm_hook


@cm_hook
def preprocess(i):
    env = i["env"]
    model = env.get("CM_APP_IMAGE_CLASSIFICATION_MODEL") or env["CM_ML_MODEL_FILE_WITH_PATH"]
    labels = ic.load_labels(env.get("CM_APP_IMAGE_CLASSIFICATION_LABELS")
                            or os.path.join(env.get("CM_DATASET_AUX_PATH", ""), "synset_words.txt"))
    image = env.get("CM_INPUT") or ic.first_image(env["CM_DATASET_IMAGENET_PATH"])
    top = ic.classify(model, image, labels, int(env["CM_APP_IMAGE_CLASSIFICATION_TOP_K"]))
    i["state"]["image_classification"] = [{"class": c, "label": l, "probability": p} for c, l, p in top]
    env["CM_APP_IMAGE_CLASSIFICATION_TOP1"] = top[0][1]
    print(f"{image}:")
    for c, label, p in top:
        print(f"  {p:6.3f}  {c:4d}  {label}")


@cm_hook
def plan(i):
    image = i["env"].get("CM_INPUT")
    if image and not os.path.isfile(image):
        raise ic.ClassifyError(f"image not found: {image}")
    return {"actions": []}
