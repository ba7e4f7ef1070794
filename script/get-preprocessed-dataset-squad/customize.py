"""Where run.sh writes the features; the tokenization itself is the library's CLI."""
import os


def preprocess(i):
    env = i["env"]
    n = env.get("CM_DATASET_SQUAD_MAX_EXAMPLES", "")
    if n and (not n.isdigit() or int(n) < 1):
        return {"return": 1, "error": f"--max_examples={n}: expected a positive number of examples"}
    env["CM_DATASET_SQUAD_TOKENIZED_ROOT"] = os.path.join(os.getcwd(), "features")
    env["CM_DATASET_PREPROCESSED_PATH"] = env["CM_DATASET_SQUAD_TOKENIZED_ROOT"]
    return {"return": 0}
