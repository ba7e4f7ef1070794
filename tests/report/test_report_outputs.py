"""Report commands end to end: tables and statements from the data, PNG charts, the HTML page, and
a clear error (with no file written) when a query has no data."""
import base64
import os
import re

import pytest

from cmperf.report import cli, seed
from cmperf.report.errors import NoDataError
from cmperf.report.sweep import sweep

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == PNG and os.path.getsize(path) > 10000


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed")
    sections, page = seed.build(str(out))
    return out, sections, page


def test_seed_has_every_figure_with_png_charts(seed_report):
    out, sections, page = seed_report
    charts = [c for s in sections for c in s.charts]
    assert len(charts) == len(sections) and all(_is_png(c) for c in charts)
    assert not [f for f in os.listdir(out) if f.startswith(".tmp-")]


def test_seed_statements_come_from_the_data(seed_report, main_rows):
    _, sections, _ = seed_report
    said = [s for sec in sections for s in sec.statements]
    best = max((r for r in main_rows if r["division"] == "closed" and r["model"] == "resnet50"
                and r["scenario"] == "Offline"), key=lambda r: float(r["result"]))
    assert f"{best['system_name']} ({best['submitter']}) has the best closed Offline resnet50 result: " \
           f"{float(best['result']):.6g} samples/s." in said
    assert any("resnet50 MultiStream: One Stop Systems Rigel Edge Supercomputer ranks 15 of 75" in s
               for s in said)
    assert any(s.startswith("One Stop Systems Rigel Edge Supercomputer has the best closed Offline "
                            "result on 4 of") for s in said)
    assert any("bert-99 Offline: tensorflow-metal is best with 9.48652 samples/s" in s for s in said)


def test_mil_vs_kilt_cells_match_csv(seed_report, read_raw):
    _, sections, _ = seed_report
    cells = {}
    for sec in sections:
        if sec.name.startswith("mil-vs-kilt-"):
            t = sec.tables[0]
            for row in t.rows:
                for header, cell in zip(t.headers[2:-2], row[2:-2]):
                    if cell != "-":
                        cells[(row[0], row[1], header)] = float(cell)
    rows = read_raw("mlperf-inference-v3.1-ctuning-mil-vs-krai-kilt.csv")
    assert len(cells) == len(rows)
    for r in rows:
        on = r["accelerator"] if r["accelerator"] != "N/A" else r["host_processor"]
        assert cells[(r["model"], r["scenario"], f"{r['implementation']} on {on}")] == \
            pytest.approx(float(r["result"]), rel=1e-5)


def test_seed_html_is_self_contained(seed_report):
    out, sections, page = seed_report
    text = open(page, encoding="utf-8").read()
    sources = re.findall(r'src="([^"]+)"', text)
    assert len(sources) == len(sections) and all(s.startswith("data:image/png;base64,") for s in sources)
    assert base64.b64decode(sources[0].split(",", 1)[1])[:8] == PNG
    assert "<table>" in text and "173501" in text and "0.914575" in text


def test_seed_table_numbers_match_csv(seed_report, read_raw):
    _, sections, _ = seed_report
    (dse,) = [s for s in sections if s.name == "deepsparse-bert99-batchsize-dse"]
    rows = [r for r in read_raw("mlperf-inference-v3.1-ctuning-deepsparse-bert99-batchsize-dse.csv")
            if r["submitter"] == "CTuning"]
    table = dse.tables[0]
    col = {h: i for i, h in enumerate(table.headers)}
    cells = {(row[0], h.split("=")[1]): row[i] for row in table.rows for h, i in col.items() if "=" in h}
    assert len(cells) == len(rows) == 70
    for r in rows:
        assert float(cells[(r["sparse_model"], r["max_batchsize"])]) == pytest.approx(float(r["result"]), rel=1e-5)


def test_top_command_with_local_result(results_dir, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli.main(["top", "--model", "resnet50", "--scenario", "offline", "-n", "3", "--local", results_dir,
                   "--model-as", "digits-mlp=resnet50", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "| 1      | One Stop Systems Rigel Edge Supercomputer" in text
    assert "My box (local, " in text and "run: " in text and ") would rank" in text   # how it was measured
    assert _is_png(out / "top-closed-resnet50-offline.png") and (out / "report.html").is_file()


@pytest.mark.parametrize("argv,message", [
    (["top", "--model", "gptj-99", "--scenario", "MultiStream"],
     "no results for model 'gptj-99', scenario MultiStream in division 'closed'"),
    (["per-accelerator", "--model", "nonexistent"], "no results for model 'nonexistent'"),
    (["compare", "--by", "framework", "--where", "system_name=Nobody"], "system_name='Nobody'"),
    (["sweep", "--subset", "deepsparse-bert99-batchsize-dse", "--x", "max_batchsize",
      "--series", "sparse_model", "--scenario", "SingleStream", "--where", "submitter=CTuning"],
     "no SingleStream results with a 'max_batchsize' value"),
    (["top", "--model", "resnet50", "--scenario", "Offline", "--csv", "/nonexistent.csv"],
     "results file not found: /nonexistent.csv"),
])
def test_no_data_is_a_clear_error_and_no_empty_plot(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert cli.main(argv + ["--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() or not os.listdir(out)


def test_sweep_library_refuses_empty_input(tmp_path):
    with pytest.raises(NoDataError):
        sweep([], "batch", "model", str(tmp_path), "empty")
    assert not os.listdir(tmp_path)


def test_import_then_report_a_new_round(write_csv, tmp_path, capsys):
    header = ["division", "submitter", "system_name", "model", "scenario", "result"]
    path = write_csv("v4.0.csv", header, [["closed", "A", "Alpha", "resnet50", "SingleStream", "0.5"],
                                          ["closed", "B", "Beta", "resnet50", "SingleStream", "0.4"]])
    repo = tmp_path / "repo"
    assert cli.main(["import", path, "--round", "v4.0", "--repo", str(repo)]) == 0
    assert cli.main(["top", "--model", "resnet50", "--scenario", "SingleStream", "--round", "v4.0",
                     "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "Beta (B) has the best closed SingleStream resnet50 result: 0.4 ms" in out
    bad = write_csv("bad.csv", ["model"], [["x"]])
    assert cli.main(["import", bad, "--round", "v4.1", "--repo", str(repo)]) == 2
    assert sorted(os.listdir(repo / "experiment")) == ["mlperf-inference-v4.0-published"]
