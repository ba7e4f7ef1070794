"""(About 30 s: the real `cm`, the LibriSpeech preparation and one LoadGen process per scenario and
mode, which is what it is here to prove.)

rnnt through `cm run script --tags=run-mlperf,inference --model=rnnt --backend=pytorch` in the v3.1
edge scenarios (SingleStream, Offline): the stand-in checkpoint (official names, tiny dimensions,
says "the fox" or "jump" depending on how the audio begins; test_rnnt_model.py) and a tiny LibriSpeech dev-clean archive
of WAVs are served by a local HTTP server; the run ends in accuracy.txt with the word error rate
the transcripts predict. Bad input is refused before LoadGen starts.
"""
import io
import json
import os
import tarfile

import pytest

from tests.mlscripts.conftest import md5

from .test_rnnt_model import standin_checkpoint, utterance, write_wav

pytest.importorskip("torch")

CKPT = "DistributedDataParallel_1576581068.9962234-epoch-100.pt"
# (utterance, starts with sound?, seconds, transcript): the stand-in says "the fox" to an utterance that
# starts with sound and "jump" to one that starts with silence; the 16 s one is not a sample
UTTERANCES = [("1272-128104-0000", True, 1.0, "THE FOX"), ("1272-128104-0001", False, 0.6, "JUMP"),
              ("1272-128104-0002", True, 1.3, "THE BROWN FOX JUMPS"), ("1272-128104-0003", False, 0.8, "A DOG"),
              ("1272-128104-0004", True, 16.0, "TOO LONG TO BE A SAMPLE")]
# word errors: 0 of 2, 0 of 1, 2 deletions of 4, a substitution and a deletion of 2 -> 4 / 9 (a sample
# answered with another's transcript would change it: the responses are matched to their samples)
EXPECTED_WER = 4 / 9
EXPECTED_LINE = "Word Error Rate: 44.444%, accuracy=55.556%"


def librispeech_subset(root):
    chapter = root / "LibriSpeech" / "dev-clean" / "1272" / "128104"
    for uid, loud_first, seconds, _ in UTTERANCES:
        write_wav(chapter / f"{uid}.wav", utterance(loud_first, seconds))
    (chapter / "1272-128104.trans.txt").write_text("".join(f"{u} {t}\n" for u, _, _, t in UTTERANCES))
    return root


def _serve(server, tmp_path):
    src = librispeech_subset(tmp_path / "src")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(src / "LibriSpeech"), arcname="LibriSpeech")
    (server.dir / "dev-clean.tar.gz").write_bytes(buf.getvalue())
    model = standin_checkpoint(server.dir / CKPT, "the fox", "jump")
    return [f"--adr.ml-model.url={server.url(CKPT)}", f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(model)}",
            f"--adr.librispeech-original.url={server.url('dev-clean.tar.gz')}",
            f"--adr.librispeech-original.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'dev-clean.tar.gz')}"]


def test_rnnt_single_stream_and_offline_through_cm(cm, server, tmp_path):
    flags = _serve(server, tmp_path)
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch",
                        "--scenario=SingleStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=4", "--threads=1", "--offline_target_qps=100", "-j", *flags)
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 4 and len(acc) == 2
    for r in acc:
        assert r["accuracy"] == pytest.approx(100 * (1 - EXPECTED_WER))
        lines = open(os.path.join(r["dir"], "accuracy.txt")).read().splitlines()
        assert lines[0] == EXPECTED_LINE and lines[1].startswith("hash=")
    assert sorted(os.path.basename(os.path.dirname(r["dir"])) for r in acc) == ["offline", "singlestream"]
    for r in runs:
        if r.get("accuracy") is None:
            assert r["result"]["value"] > 0
    # the submission tree of these results (open division: no accuracy target): our v3.1 checker objects
    # only to what makes it a short test run; the round's seeds, layout and WER accuracy.txt pass
    from cmperf.submission import generate
    from cmperf.submission.checker import check_submission
    sut_dir = os.path.dirname(os.path.dirname(os.path.dirname(acc[0]["dir"])))
    assert generate.main(["--results-dir", os.path.dirname(sut_dir), "--submission-dir", str(tmp_path / "sub"),
                          "--version", "v3.1", "--submitter", "cmperf", "--test-run", "--system-json",
                          os.path.join(os.path.dirname(__file__), "..", "..", "docs", "system-example.json")]) == 0
    report = check_submission(str(tmp_path / "sub"), "v3.1")
    assert {(r.scenario, r.accuracy_metric) for r in report.results} == {("SingleStream", "WER"), ("Offline", "WER")}
    assert set(report.rules()) == {"perf.min-duration", "perf.samples-per-query", "perf.invalid",
                                   "perf.early-stopping"}, [str(e) for e in report.errors]
    # process-mlperf-accuracy finds the manifest through the run's dataset and scores the same log alike
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_librispeech", f"--result_dir={acc[0]['dir']}")
    assert rc == 0, text[-2000:]
    assert open(os.path.join(acc[0]["dir"], "accuracy.txt")).readline() == EXPECTED_LINE + "\n"


def test_rnnt_refusals_before_the_run(cm, server, tmp_path):
    flags = _serve(server, tmp_path)
    results = tmp_path / "results"
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--plan", *flags)   # default onnxruntime
    assert rc != 0 and "--model=rnnt runs with --backend=pytorch only" in text
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch", "--device=cuda", "--plan", *flags)
    assert rc != 0 and "--model=rnnt runs with --device=cpu only" in text
    rc, _, text = cm("--tags=run-mlperf,inference", "--help")
    assert rc == 0 and "--model  (env CM_MLPERF_MODEL)" in text
    model_line = next(ln for ln in text.splitlines() if ln.strip().startswith("--model  "))
    assert "choices: digits-mlp, resnet50, resnet50-random, retinanet, rnnt," in model_line
    # a checkpoint without the joint network's output layer: refused when loaded, before LoadGen
    import torch
    sd = torch.load(str(server.dir / CKPT), weights_only=True)["state_dict"]
    del sd["joint_net.3.weight"]
    torch.save({"state_dict": sd}, str(tmp_path / "broken.pt"))
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch", f"--results_dir={results}",
                     f"--model_path={tmp_path / 'broken.pt'}", "--test_query_count=2", *flags)
    assert rc != 0 and "broken.pt" in text and "no joint.net.3.weight" in text
    # a prepared dataset whose manifest names a corrupt WAV, and one without a manifest
    prep = tmp_path / "prep"
    prep.mkdir()
    (prep / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (prep / "manifest.json").write_text('[{"transcript": "a", "original_duration": 1.0, "files": [{"fname": "bad.wav"}]}]')
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch", f"--results_dir={results}",
                     f"--dataset_path={prep}", "--test_query_count=2", *flags)
    assert rc != 0 and "bad.wav" in text and "not a readable WAV" in text
    (prep / "manifest.json").unlink()
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch", f"--results_dir={results}",
                     f"--dataset_path={prep}", "--test_query_count=2", *flags)
    assert rc != 0 and "manifest.json" in text and "does not exist" in text
    assert not any(f == "accuracy.txt" for _, _, fs in os.walk(results) for f in fs)


def test_librispeech_scripts_take_your_copy_and_plan_no_download(cm, tmp_path):
    src = librispeech_subset(tmp_path / "src")
    rc, data, text = cm("--tags=get,dataset,librispeech", f"--dataset_path={src}", "--plan", "-j")
    assert rc == 0 and data["plan"]["summary"]["downloads"] == [] and "nothing downloaded" in text
    rc, data, text = cm("--tags=get,dataset,librispeech", "--plan", "-j")
    assert rc == 0 and [d["url"] for d in data["plan"]["summary"]["downloads"]] == \
        ["http://www.openslr.org/resources/12/dev-clean.tar.gz"]
    rc, _, text = cm("--tags=get,dataset,librispeech", f"--dataset_path={tmp_path}/nowhere")
    assert rc != 0 and "holds no LibriSpeech transcripts" in text
    rc, data, text = cm("--tags=get,dataset,preprocessed,librispeech", f"--env.CM_DATASET_LIBRISPEECH_LOCAL_PATH={src}",
                        "-j")
    assert rc == 0, text[-2000:]
    assert "get-dataset-librispeech" in text and "get-generic-sys-util" not in text   # WAVs: no sox needed
    man = json.loads(open(data["new_env"]["CM_DATASET_PREPROCESSED_MANIFEST"]).read())
    assert [e["transcript"] for e in man] == [t.lower() for _, _, s, t in UTTERANCES if s <= 15]
    assert all(e["files"][-1]["fname"].startswith(str(src)) for e in man)   # your WAVs, used in place


def test_a_flac_subset_brings_sox_before_its_preparation(cm, tmp_path):
    src = librispeech_subset(tmp_path / "src")
    chapter = src / "LibriSpeech" / "dev-clean" / "1272" / "128104"
    (chapter / "1272-128104-0000.wav").unlink()
    (chapter / "1272-128104-0000.flac").write_bytes(b"fLaC not really")   # as the official archive holds them
    rc, data, text = cm("--tags=get,dataset,preprocessed,librispeech", f"--env.CM_DATASET_LIBRISPEECH_LOCAL_PATH={src}",
                        "--env.CM_SKIP_SYS_UTILS=yes")
    # the sox dependency ran (here told to skip installing), then the converter named the file it failed on
    assert "get-generic-sys-util: sox skipped" in text, text[-3000:]
    assert rc != 0 and "1272-128104-0000.flac" in text and "sox" in text
