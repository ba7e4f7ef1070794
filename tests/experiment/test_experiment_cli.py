"""`python -m cmperf.experiment` and `python -m cmperf.report sweep --experiment`."""
import os
import sys


from cmperf.experiment import cli
from cmperf.report import cli as report_cli

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny_loadgen.py")


def test_run_show_replay_and_sweep_chart(tmp_path, capsys):
    exp = str(tmp_path / "exp")
    assert cli.main(["run", "--dir", exp, "--explore", "BATCH=[1,4,16]", "--", sys.executable, TINY,
                     "--out", "{{CM_EXPERIMENT_PATH}}/logs", "--batch", "{{BATCH}}"]) == 0
    out = capsys.readouterr().out
    assert out.count("| ok ") == 3
    assert cli.main(["show", exp]) == 0 and "BATCH=16" in capsys.readouterr().out
    (sweep_dir,) = os.listdir(exp)
    assert cli.main(["replay", os.path.join(exp, sweep_dir, "step-0001")]) == 0
    assert "Offline: original" in capsys.readouterr().out
    charts = tmp_path / "charts"
    assert report_cli.main(["sweep", "--experiment", exp, "--x", "BATCH", "--series", "model",
                            "--out", str(charts)]) == 0
    text = capsys.readouterr().out
    assert "best BATCH" in text
    assert (charts / "sweep-batch-offline.png").stat().st_size > 10000


def test_bad_exploration_on_the_command_line(tmp_path, capsys):
    assert cli.main(["run", "--dir", str(tmp_path / "e"), "--explore", "BATCH=[]", "--", "true"]) == 2
    assert "explored variable BATCH='[]' has no values" in capsys.readouterr().err
    assert cli.main(["run", "--dir", str(tmp_path / "e"), "--explore", "BATCH", "--", "true"]) == 2
    assert not (tmp_path / "e").exists()


def test_mlperf_dse_template_end_to_end(tmp_path, capsys, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cm").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE}/fake_cm.py" "$@"\n')
    (bin_dir / "cm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "charts"
    assert cli.main(["mlperf-dse", "--dir", str(tmp_path / "dse"), "--batch", "[1,8,32]",
                     "--backend", "onnxruntime", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "digits-mlp / onnxruntime: best BATCH=" in text
    assert (out / "mlperf-batch-size-dse.png").is_file() and (out / "dse.html").is_file()


def test_mlperf_dse_when_every_step_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # no `cm` at all
    assert cli.main(["mlperf-dse", "--dir", str(tmp_path / "dse"), "--batch", "[1,2]"]) == 2
    captured = capsys.readouterr()
    assert captured.out.count("| failed ") == 2 and "cannot start 'cm'" in captured.out
    assert "no successful experiment step with results" in captured.err
