"""(About 30 s: the real `cm`, the LibriSpeech preparation and one LoadGen process per scenario and
mode, which is what it is here to prove.)

rnnt through `cm run script --tags=run-mlperf,inference --model=rnnt --backend=pytorch` in the v3.1
edge scenarios (SingleStream, Offline): the stand-in checkpoint (official names, tiny dimensions,
spells "the fox" whatever the audio; test_rnnt_model.py) and a tiny LibriSpeech dev-clean archive
of WAVs are served by a local HTTP server; the run ends in accuracy.txt with the word error rate
the transcripts predict. Bad input is refused before LoadGen starts.
"""
import io
import os
import tarfile

import pytest

from tests.mlscripts.conftest import md5

from .test_rnnt_model import standin_checkpoint, tone, write_wav

pytest.importorskip("torch")

CKPT = "DistributedDataParallel_1576581068.9962234-epoch-100.pt"
# (utterance, seconds, transcript): the stand-in says "the fox" to each; the 16 s one is not a sample
UTTERANCES = [("1272-128104-0000", 1.0, "THE FOX"), ("1272-128104-0001", 0.6, "THE BROWN FOX JUMPS"),
              ("1272-128104-0002", 1.3, "A DOG"), ("1272-128104-0003", 16.0, "TOO LONG TO BE A SAMPLE")]
# word errors: 0 of 2, 2 deletions of 4, 2 substitutions of 2 -> 4 / 8
EXPECTED_WER = 4 / 8


def librispeech_subset(root):
    chapter = root / "LibriSpeech" / "dev-clean" / "1272" / "128104"
    for uid, seconds, _ in UTTERANCES:
        write_wav(chapter / f"{uid}.wav", tone(seconds, 300 + 100 * len(uid) % 7))
    (chapter / "1272-128104.trans.txt").write_text("".join(f"{u} {t}\n" for u, _, t in UTTERANCES))
    return root


def _serve(server, tmp_path):
    src = librispeech_subset(tmp_path / "src")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(src / "LibriSpeech"), arcname="LibriSpeech")
    (server.dir / "dev-clean.tar.gz").write_bytes(buf.getvalue())
    model = standin_checkpoint(server.dir / CKPT, "the fox")
    return [f"--adr.ml-model.url={server.url(CKPT)}", f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(model)}",
            f"--adr.librispeech-original.url={server.url('dev-clean.tar.gz')}",
            f"--adr.librispeech-original.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'dev-clean.tar.gz')}"]


def test_rnnt_single_stream_and_offline_through_cm(cm, server, tmp_path):
    flags = _serve(server, tmp_path)
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--backend=pytorch",
                        "--scenario=SingleStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=3", "--threads=1", "--offline_target_qps=100", "-j", *flags)
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 4 and len(acc) == 2
    for r in acc:
        assert r["accuracy"] == pytest.approx(100 * (1 - EXPECTED_WER))
        lines = open(os.path.join(r["dir"], "accuracy.txt")).read().splitlines()
        assert lines[0] == "Word Error Rate: 50.000%, accuracy=50.000%" and lines[1].startswith("hash=")
    assert sorted(os.path.basename(os.path.dirname(r["dir"])) for r in acc) == ["offline", "singlestream"]
    for r in runs:
        if r.get("accuracy") is None:
            assert r["result"]["value"] > 0
    # process-mlperf-accuracy finds the manifest through the run's dataset and scores the same log alike
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_librispeech", f"--result_dir={acc[0]['dir']}")
    assert rc == 0, text[-2000:]
    assert open(os.path.join(acc[0]["dir"], "accuracy.txt")).readline() == "Word Error Rate: 50.000%, accuracy=50.000%\n"


def test_rnnt_refusals_before_the_run(cm, server, tmp_path):
    flags = _serve(server, tmp_path)
    results = tmp_path / "results"
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=rnnt", "--plan", *flags)   # default onnxruntime
    assert rc != 0 and "--model=rnnt runs with --backend=pytorch only" in text
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
