"""Rankings against the published CSV numbers (and the data README's cross-checked values)."""
import collections

import pytest

from cmperf.report import rankings
from cmperf.report.errors import NoDataError, ReportError
from cmperf.report.store import ResultStore

README_VALUES = [  # the values the data README cross-checked against the raw LoadGen logs
    ("One Stop Systems Rigel Edge Supercomputer", "resnet50", "Offline", 173501),
    ("One Stop Systems Rigel Edge Supercomputer", "resnet50", "MultiStream", 0.914575),
    ("One Stop Systems Rigel Edge Supercomputer", "bert-99", "Offline", 14649.7),
    ("PCSPECIALIST AMD AM5 PC with Nvidia RTX 4090", "3d-unet-99", "SingleStream", 432.64838),
]


def test_every_row_imported(published, main_rows):
    assert len(published) == len(main_rows) == 660


@pytest.mark.parametrize("system,model,scenario,value", README_VALUES)
def test_cross_checked_values(published, system, model, scenario, value):
    found = published.select(model=model, scenario=scenario, division="closed", system_name=system)
    assert value in [r.value for r in found]


def test_ranks_match_the_csv_rank_column(published, main_rows):
    groups = collections.defaultdict(list)
    for row in main_rows:
        groups[(row["division"], row["model"], row["scenario"])].append(row)
    for (division, model, scenario), rows in groups.items():
        ranked = rankings.rank(published.require(model, scenario, division))
        assert [x.value for x in ranked] == sorted(
            (float(r["result"]) for r in rows), reverse=(scenario == "Offline"))
        csv_rank = {(r["submitter"], r["system_id"]): int(r["rank_in_division_model_scenario"])
                    for r in rows}
        values = collections.Counter(x.value for x in ranked)
        for x in ranked:
            if values[x.value] == 1:  # the CSV numbers ties 1, 2; competition ranks say 1, 1
                assert x.rank == csv_rank[(x.result.submitter, x.result.system_id)]


def test_tie_shares_a_rank(published):
    # two AWS T4 systems have exactly 6.385584 ms on closed bert-99 SingleStream
    ranked = rankings.rank(published.require("bert-99", "SingleStream", "closed"))
    tied = [x for x in ranked if x.value == 6.385584]
    assert len(tied) == 2 and tied[0].rank == tied[1].rank


def test_rigel_multistream_rank_is_15_not_first(published):
    rank, result, total = rankings.rank_of(
        published, "One Stop Systems Rigel Edge Supercomputer", "resnet50", "MultiStream")
    assert (rank, result.value, total) == (15, 0.914575, 75)
    (best,) = rankings.winners(published, "resnet50", "MultiStream")
    assert best.result.system_name == "PCSPECIALIST AMD AM5 PC with Nvidia RTX 4090"
    assert best.value == 0.426173
    (retina,) = rankings.winners(published, "retinanet", "MultiStream")
    assert retina.result.system_name.startswith("One Stop Systems Rigel")
    assert retina.value == 4.584035


def test_latency_lower_is_better_offline_higher(published, main_rows):
    for scenario, pick in (("Offline", max), ("SingleStream", min), ("MultiStream", min)):
        rows = [r for r in main_rows if r["division"] == "closed" and r["model"] == "resnet50"
                and r["scenario"] == scenario]
        (w,) = rankings.winners(published, "resnet50", scenario)
        assert w.value == pick(float(r["result"]) for r in rows)


def test_top_n(published, main_rows):
    top = rankings.top(published, "bert-99", "Offline", n=10)
    rows = sorted((r for r in main_rows if r["division"] == "closed" and r["model"] == "bert-99"
                   and r["scenario"] == "Offline"), key=lambda r: -float(r["result"]))[:10]
    assert [(x.result.system_id, x.value) for x in top] == \
        [(r["system_id"], float(r["result"])) for r in rows]


def test_per_accelerator_matches_published_subset(published, read_raw):
    rows = [r for r in read_raw("mlperf-inference-v3.1-edge-closed-offline-per-accelerator.csv")
            if r["model"] == "bert-99"]
    ranked = rankings.per_accelerator(published, "bert-99")
    assert [(x.result.system_id, pytest.approx(x.value)) for x in ranked] == \
        [(r["system_id"], float(r["derived_result_per_accelerator"]))
         for r in sorted(rows, key=lambda r: int(r["rank_per_accelerator"]))]
    assert ranked[0].result.accelerator.startswith("NVIDIA GeForce RTX 4090")


def test_per_accelerator_refuses_latency(published):
    with pytest.raises(ReportError, match="throughput"):
        rankings.per_accelerator(published, "resnet50", "SingleStream")


def test_power_and_non_power_rows_are_one_result(published):
    rigel = published.select(model="resnet50", scenario="Offline", division="closed",
                             system_name="PCSPECIALIST AMD AM5 PC with Nvidia RTX 4090",
                             framework="Nvidia inference implementation with CM API, TensorRT v8.6.1.6")
    (power_row,) = rigel
    assert power_row.power and power_row.power_value
    twin = type(power_row)(**{**power_row.__dict__, "power": False, "power_value": None,
                              "extra": {}, "source": "performance table"})
    store = ResultStore(list(published) + [twin])
    assert len(store) == len(published)
    before = [(x.rank, x.value) for x in rankings.rank(published.require("resnet50", "Offline", "closed"))]
    after = [(x.rank, x.value) for x in rankings.rank(store.require("resnet50", "Offline", "closed"))]
    assert before == after
    (merged,) = store.select(model="resnet50", scenario="Offline", division="closed",
                             system_id=power_row.system_id)
    assert merged.power_value == power_row.power_value  # the power row wins the merge


def test_raw_power_division_is_merged(write_csv):
    header = ["division", "submitter", "system_name", "system_id", "model", "scenario", "result"]
    path = write_csv("raw.csv", header, [
        ["closed", "X", "Box", "box", "resnet50", "Offline", "100"],
        ["closed-power", "X", "Box", "box", "resnet50", "Offline", "100"],
        ["closed", "Y", "Other", "other", "resnet50", "Offline", "50"],
    ])
    from cmperf.report.store import load_csvs
    store = load_csvs([path])
    assert len(store) == 2
    (box,) = store.select(system_id="box")
    assert box.power and box.division == "closed"


def test_conflicting_duplicates_are_an_error(write_csv):
    from cmperf.report.errors import DataError
    from cmperf.report.store import load_csvs
    header = ["division", "submitter", "system_name", "model", "scenario", "result"]
    path = write_csv("dup.csv", header, [["closed", "X", "Box", "resnet50", "Offline", "100"],
                                         ["closed", "X", "Box", "resnet50", "Offline", "90"]])
    with pytest.raises(DataError, match="two different results.*dup.csv:2.*dup.csv:3"):
        load_csvs([path])


def test_no_data_names_the_query(published):
    with pytest.raises(NoDataError, match="'gptj-99'.*MultiStream.*models with MultiStream"):
        rankings.top(published, "gptj-99", "MultiStream")


def test_compare_backends_on_one_system(published):
    cmp = rankings.compare(published, "framework", models=["bert-99"], division="closed",
                           system_name="Apple MacBook Pro M1")
    (model, scenario, cells), (_, scenario2, cells2) = cmp.rows
    assert (model, scenario, scenario2) == ("bert-99", "Offline", "SingleStream")
    metal = "MLCommons reference implementation with CM API, Tensorflow v2.13.0 with tensorflow-metal"
    assert cells[metal].value == 9.48652 and cmp.best_column(cells, scenario) == metal
    assert cmp.best_column(cells2, scenario2) == metal and cells2[metal].value == 104.603625


def test_leads_of_rigel(published):
    leads = rankings.leads_of(published, "One Stop Systems Rigel Edge Supercomputer", "Offline")
    assert [l.model for l in leads] == ["bert-99", "resnet50", "retinanet", "rnnt"]
    resnet = leads[1]
    assert resnet.winner.value == 173501 and resnet.ratio > 1
