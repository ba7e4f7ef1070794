"""get-mlperf-inference-src from a local git repository, user.conf, and accuracy.txt of a real run."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, loadgen_accuracy_run


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


@pytest.fixture
def inference_repo(tmp_path):
    """A small mlcommons/inference look-alike: v3.1 keeps mlperf.conf at the root, master in loadgen/."""
    repo = tmp_path / "inference"
    for d in ("loadgen", "vision/classification_and_detection", "language/bert", "tools/submission"):
        (repo / d).mkdir(parents=True)
        (repo / d / "README.md").write_text(d + "\n")   # git keeps no empty directories
    (repo / "mlperf.conf").write_text("*.Offline.min_duration = 600000\n")
    subprocess.run(["git", "init", "-q", "-b", "master", str(repo)], check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "round 3.1")
    _git(repo, "tag", "v3.1")
    first = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    _git(repo, "mv", "mlperf.conf", "loadgen/mlperf.conf")
    _git(repo, "commit", "-qm", "mlperf.conf into loadgen")
    _git(repo, "checkout", "-qb", "feature")
    (repo / "FEATURE").write_text("x")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "feature")
    _git(repo, "checkout", "-q", "master")
    return repo, first


def _src(cm, *args):
    rc, data, text = cm("--tags=get,mlperf,inference,src", *args, "-j")
    assert rc == 0, text
    return data["new_env"]


def test_inference_src_versions_branches_shas_and_local_path(cm, inference_repo):
    inference_repo, first_sha = inference_repo
    env = _src(cm, f"_repo.{inference_repo}")
    src = env["CM_MLPERF_INFERENCE_SOURCE"]
    assert src.startswith(str(cm.cache)) and env["CM_MLPERF_LAST_RELEASE"] == "v6.1"
    assert env["CM_MLPERF_INFERENCE_CONF_PATH"] == os.path.join(src, "loadgen", "mlperf.conf")
    assert env["CM_MLPERF_INFERENCE_CLASSIFICATION_AND_DETECTION_PATH"] == \
        os.path.join(src, "vision", "classification_and_detection")
    assert env["CM_MLPERF_INFERENCE_BERT_PATH"] == os.path.join(src, "language", "bert")
    assert "CM_MLPERF_INFERENCE_RNNT_PATH" not in env      # only what the checkout has
    assert not os.path.exists(os.path.join(src, "FEATURE"))

    old = _src(cm, f"_repo.{inference_repo}", "--version=r3.1")
    assert old["CM_MLPERF_LAST_RELEASE"] == "v3.1"
    assert old["CM_MLPERF_INFERENCE_CONF_PATH"] == os.path.join(old["CM_MLPERF_INFERENCE_SOURCE"], "mlperf.conf")
    assert old["CM_MLPERF_INFERENCE_SOURCE"] != src        # another cache entry

    feature = _src(cm, f"_repo.{inference_repo}", "_branch.feature")
    assert os.path.isfile(os.path.join(feature["CM_MLPERF_INFERENCE_SOURCE"], "FEATURE"))
    pinned = _src(cm, f"_repo.{inference_repo}", f"_sha.{first_sha}", "_full-history")
    assert os.path.isfile(os.path.join(pinned["CM_MLPERF_INFERENCE_SOURCE"], "mlperf.conf"))

    again = _src(cm, f"_repo.{inference_repo}")              # cached
    assert again["CM_MLPERF_INFERENCE_SOURCE"] == src

    local = _src(cm, f"--path={inference_repo}")
    assert local["CM_MLPERF_INFERENCE_SOURCE"] == str(inference_repo)


def test_inference_src_bad_local_path_and_unknown_version(cm, tmp_path):
    rc, _, text = cm("--tags=get,mlperf,inference,src", f"--inference_src={tmp_path}")
    assert rc != 0 and f"{tmp_path} is not an mlcommons/inference checkout" in text
    rc, _, text = cm("--tags=get,mlperf,inference,src", f"--path={tmp_path / 'none'}")
    assert rc != 0 and "does not exist" in text


def test_user_conf_by_model_scenario_and_style(cm, tmp_path):
    rc, data, text = cm("--tags=generate,mlperf,inference,user-conf", "--model=resnet50", "--scenario=SingleStream",
                        "--test_query_count=7", f"--output_dir={tmp_path}", "-j")
    assert rc == 0, text
    path = data["new_env"]["CM_MLPERF_USER_CONF"]
    assert path == str(tmp_path / "user.conf")
    lines = open(path).read().splitlines()
    assert "resnet50.SingleStream.target_latency = 10" in lines
    assert "resnet50.SingleStream.min_query_count = 7" in lines and "resnet50.SingleStream.max_query_count = 7" in lines
    rc, data, text = cm("--tags=generate,mlperf,inference,user-conf,_fast", "--model=bert-99.9",
                        "--scenario=Offline", "--target_qps=12.5", "--fast_factor=10", f"--output_dir={tmp_path}", "-j")
    assert rc == 0, text
    assert open(path).read() == "bert.Offline.target_qps = 12.5\nbert.Offline.min_duration = 66000\n"
    rc, _, text = cm("--tags=generate,mlperf,inference,user-conf", "--scenario=Batch", f"--output_dir={tmp_path}")
    assert rc != 0 and "unknown --scenario 'Batch'" in text   # refused at plan time (input_description choices)
    assert open(path).read().startswith("bert.Offline")   # the old file is untouched


@pytest.fixture(scope="module")
def digits_accuracy_run(tmp_path_factory):
    """A real LoadGen accuracy run of digits-mlp; returns its accuracy directory."""
    from cmperf.mlperf.models import digits
    base = tmp_path_factory.mktemp("digits")
    data = base / "digits"
    digits.build(str(data), tf_export="no", torch_export="no")   # the run reads model.onnx only
    results = base / "results"
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "cmperf.mlperf.run", "--model", "digits-mlp", "--mode", "accuracy",
                           "--results-dir", str(results), "--dataset-dir", str(data),
                           "--model-path", str(data / "model.onnx")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = [r for r, _, files in os.walk(results) if "mlperf_log_accuracy.json" in files]
    assert len(found) == 1, found
    return found[0]


def test_process_accuracy_recomputes_the_harness_result(cm, digits_accuracy_run, tmp_path):
    run = tmp_path / "accuracy"
    shutil.copytree(digits_accuracy_run, run)
    harness = (run / "accuracy.txt").read_text()
    (run / "accuracy.txt").unlink()
    rc, data, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_digits", f"--result_dir={run}", "-j")
    assert rc == 0, text
    ours = (run / "accuracy.txt").read_text()
    assert ours == harness and ours.startswith("accuracy=")
    good, total = [int(p.split("=")[1]) for p in ours.split("\n")[0].split(", ")[1:]]
    assert total >= 1024 and good / total > 0.9     # the held-out digits split; a trained MLP
    assert data["new_env"]["CM_MLPERF_ACCURACY_RESULT"] == ours.splitlines()[0]

    # an existing accuracy.txt is kept unless --rerun
    (run / "accuracy.txt").write_text("stale\n")
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_digits", f"--result_dir={run}")
    assert rc == 0 and (run / "accuracy.txt").read_text() == "stale\n"
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_imagenet", f"--result_dir={run}", "--rerun")
    assert rc == 0 and (run / "accuracy.txt").read_text() == harness, text

    # wrong labels give a different (still honest) answer
    import numpy as np
    labels = np.load(json.load(open(run / "run.json"))["dataset_dir"] + "/labels.npy")
    np.save(tmp_path / "shifted.npy", (labels + 1) % 10)
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy", f"--result_dir={run}", "--rerun",
                     f"--labels={tmp_path / 'shifted.npy'}")
    assert rc == 0, text
    assert (run / "accuracy.txt").read_text() != harness


def test_process_accuracy_word_error_rate_of_a_real_loadgen_run(cm, tmp_path):
    """A speech SUT answering transcripts: one word wrong out of 8 -> WER 1/8."""
    import numpy as np

    from cmperf.mlperf.accuracy.wer import RNNT_VOCAB
    truth = ["he hoped there would be stew", "for dinner"]
    answers = ["he hoped there would be stew", "for winner"]
    manifest = tmp_path / "dev-clean-wav.json"
    manifest.write_text(json.dumps([{"transcript": t, "files": []} for t in truth]))
    run = tmp_path / "run"
    run.mkdir()
    loadgen_accuracy_run(run, len(truth), lambda idx: [
        np.array([RNNT_VOCAB.index(c) for c in answers[i]], np.int64).tobytes() for i in idx])
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_librispeech", f"--result_dir={run}")
    assert rc != 0 and "--manifest=FILE" in text
    rc, data, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_librispeech", f"--result_dir={run}",
                        f"--manifest={manifest}", "-j")
    assert rc == 0, text
    first = (run / "accuracy.txt").read_text().splitlines()[0]
    assert first == f"Word Error Rate: {100 / 8:.3f}%, accuracy={100 * 7 / 8:.3f}%"


def test_process_accuracy_errors(cm, tmp_path):
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy", f"--result_dir={tmp_path}")
    assert rc != 0 and "mlperf_log_accuracy.json does not exist" in text
    (tmp_path / "mlperf_log_accuracy.json").write_text("[]")
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_openimages", f"--result_dir={tmp_path}")
    assert rc != 0 and "--annotations=openimages-mlperf.json" in text
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_squad", f"--result_dir={tmp_path}")
    assert rc != 0 and "--features_dir" in text
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy", f"--result_dir={tmp_path}")
    assert rc != 0 and "no labels for the accuracy check" in text
    assert not (tmp_path / "accuracy.txt").exists()
