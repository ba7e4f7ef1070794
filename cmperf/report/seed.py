"""The seed report (cTuning, "MLPerf Inference v3.1 analysis") rebuilt from the published data.

Each figure is one function returning Sections; every statement is computed from the data, so a
claim of the original text that the data does not support is not repeated (e.g. the text says
Rigel wins resnet50 MultiStream; the data ranks it 15th).
"""
import collections
import os

from . import kinds, rankings
from .html import write_page
from .store import ResultStore, load_published, published_csv
from .sweep import sweep

DIVISION = "closed"


def top_offline(out, store):
    """Top systems per benchmark (Offline); the chart is bert-99, as in the seed."""
    section = kinds.top(store, "bert-99", "Offline", out, DIVISION, 10)
    section.statements = [kinds.winner_statement(rankings.winners(store, m, "Offline", DIVISION),
                                                 m, "Offline", DIVISION)
                          for m in store.models("Offline", DIVISION)]
    return [section]


def per_accelerator(out, store):
    return [kinds.per_accelerator(store, "bert-99", out, "Offline", DIVISION, 10)]


def singlestream_latency(out, store):
    return [kinds.top(store, m, "SingleStream", out, DIVISION, 10)
            for m in ("resnet50", "bert-99", "3d-unet-99")]


def multistream_latency(out, store):
    return [kinds.top(store, m, "MultiStream", out, DIVISION, 10) for m in store.models("MultiStream", DIVISION)]


def offline_champion(out, store):
    """The system with the most closed Offline wins (Rigel in v3.1), its lead and its latency ranks."""
    wins = collections.Counter()
    for m in store.models("Offline", DIVISION):
        for x in rankings.winners(store, m, "Offline", DIVISION):
            wins[x.result.system_name] += 1
    champion, n = wins.most_common(1)[0]
    leads = rankings.leads_of(store, champion, "Offline", DIVISION)
    section = kinds.Section("offline-champion", f"{champion}: Offline wins and latency ranks")
    section.statements.append(
        f"{champion} has the best {DIVISION} Offline result on {n} of "
        f"{len(store.models('Offline', DIVISION))} benchmarks: {', '.join(l.model for l in leads)}.")
    for l in leads:
        if l.runner_up:
            section.statements.append(
                f"{l.model}: {kinds.describe(l.winner.value, 'Offline')}, {l.ratio:.2f}x the runner-up "
                f"{l.runner_up.system_name} ({kinds.describe(l.runner_up.value, 'Offline')}).")
    for scenario in ("SingleStream", "MultiStream"):
        for m in store.models(scenario, DIVISION):
            try:
                r, res, total = rankings.rank_of(store, champion, m, scenario, DIVISION)
            except rankings.NoDataError:
                continue
            (best, *_) = rankings.winners(store, m, scenario, DIVISION)
            tail = "no system is faster" if r == 1 else \
                f"the best is {best.result.system_name} with {kinds.describe(best.value, scenario)}"
            section.statements.append(f"{m} {scenario}: {champion} ranks {r} of {total} with "
                                      f"{kinds.describe(res.value, scenario)}; {tail}.")
    from . import charts, tables
    title = f"{champion}: lead over the runner-up, {DIVISION} Offline"
    section.tables.append(tables.leads_table(leads, title))
    section.charts.append(charts.leads_chart(leads, title, os.path.join(out, "offline-champion.png")))
    return [section]


def reference_vs_nvidia(out, _store):
    store = load_published("rtx4090-reference-vs-nvidia")
    accel = collections.Counter(r.accelerator for r in store).most_common(1)[0][0]
    return [kinds.compare(store, "implementation", out,
                          f"Implementations on one {accel} (closed, best result per implementation)",
                          models=["resnet50", "retinanet", "bert-99", "3d-unet-99", "rnnt"],
                          name="reference-vs-nvidia-rtx4090", accelerator=accel)]


def apple_metal(out, _store):
    store = load_published("apple-m1-metal-vs-onnxruntime")
    return [kinds.compare(store, "backend", out,
                          "Apple MacBook Pro M1: TF with tensorflow-metal vs onnxruntime vs PyTorch (CPU)",
                          name="apple-m1-metal-vs-onnxruntime", system_name="Apple MacBook Pro M1")]


def deepsparse_dse(out, _store):
    store = load_published("deepsparse-bert99-batchsize-dse")
    swept = [r for r in store if r.get("max_batchsize") and r.submitter == "CTuning"]
    return [sweep(swept, "max_batchsize", "sparse_model", out,
                  "DeepSparse 1.5.2 bert-99 variants on a Ryzen 9 7950X: Offline vs max batch size",
                  "Offline", name="deepsparse-bert99-batchsize-dse")]


def mil_vs_kilt(out, _store):
    """C++ implementations with onnxruntime: cTuning MIL vs Krai KILT, CPU runs and GPU runs apart.
    They ran on different machines, so each column names its processor or accelerator."""
    store = load_published("mil-vs-krai-kilt")
    sections = []
    for device, on_gpu in (("CPU", False), ("GPU", True)):
        picked = []
        for r in store:
            if bool(r.accelerator) == on_gpu:
                r.extra["implementation_on"] = f"{r.get('implementation')} on " \
                    f"{r.accelerator if on_gpu else r.host_processor}"
                picked.append(r)
        sections.append(kinds.compare(ResultStore(picked), "implementation_on", out,
                                      f"C++ with onnxruntime on {device}: cTuning MIL vs Krai KILT",
                                      name=f"mil-vs-kilt-{device.lower()}"))
    return sections


FIGURES = {
    "top-offline": top_offline,
    "per-accelerator": per_accelerator,
    "singlestream-latency": singlestream_latency,
    "multistream-latency": multistream_latency,
    "offline-champion": offline_champion,
    "reference-vs-nvidia": reference_vs_nvidia,
    "apple-metal": apple_metal,
    "deepsparse-dse": deepsparse_dse,
    "mil-vs-kilt": mil_vs_kilt,
}


def build(out_dir, only=None, html_name="index.html"):
    """Build the chosen figures (all by default) into out_dir; return (sections, html path)."""
    names = only or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise rankings.ReportError(f"unknown seed figure(s) {', '.join(unknown)}; "
                                   f"choose from {', '.join(FIGURES)}")
    store = load_published()
    sections = []
    for name in names:
        sections += FIGURES[name](out_dir, store)
    page = write_page(os.path.join(out_dir, html_name),
                      "MLPerf Inference v3.1 edge: the seed report rebuilt from published results",
                      sections, [os.path.relpath(published_csv(), os.getcwd()),
                                 "README.md next to it lists the sources"])
    return sections, page
