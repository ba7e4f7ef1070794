"""Results directory -> MLPerf submission tree for one round (the v3.1 layout, also v4.x's, or v6.1's)."""
import json
import os
import shlex
import shutil
from dataclasses import dataclass, field

from . import accuracy_log, compliance, infer, rounds, system_desc
from cmperf.core.jsonio import load_json_object
from cmperf.filehash import sha256_file
from cmperf.loadgen_logs import LogFormatError, parse_detail_log
from cmperf.mlperf.results_writer import MixedRunError, check_one_run
from .results_dir import ResultsDirError

# The embedded default and other project models the open division maps to official ones.
DEFAULT_MODEL_MAPPING = {"digits-mlp": "resnet"}
IMPLEMENTATION = "cmperf"


class GenerationError(ValueError):
    """The results cannot make a submission as asked; the message says what to change."""


@dataclass
class Options:
    division: str
    category: str
    submitter: str
    version: str
    system_user: dict = field(default_factory=dict)
    system_flags: dict = field(default_factory=dict)
    model_mapping: dict = field(default_factory=dict)
    infer_scenarios: bool = False


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)


def _copy(src, dst):
    if not os.path.isfile(src):
        raise ResultsDirError(f"{src}: required file missing from the results directory")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def submission_model_name(model, opts, rules):
    """(directory name, mapping entry or None). Closed/network need an official model."""
    if rules.model(model) is not None:
        return model, None
    target = opts.model_mapping.get(model) or DEFAULT_MODEL_MAPPING.get(model)
    if opts.division != "open":
        raise GenerationError(f"model '{model}' is not an MLPerf {rules.version} benchmark, so it cannot be "
                              f"submitted in the {opts.division} division; use --division open"
                              + (f" (it is mapped to '{target}' there)" if target else ""))
    if target is None or rules.model(target) is None:
        raise GenerationError(f"model '{model}' is not an MLPerf benchmark and has no mapping to one; "
                              "give --model-mapping FILE with {\"%s\": \"<official model>\"}" % model)
    return model, target


def build_tree(suts, build_dir, opts):
    """Write the whole submission into build_dir. Returns notes (inferred scenarios etc.)."""
    rules = rounds.get_round(opts.version)
    if opts.division not in rounds.DIVISIONS:
        raise GenerationError(f"unknown division '{opts.division}' (expected {', '.join(rounds.DIVISIONS)})")
    if opts.division in rules.calibration_doc_divisions:
        # the submitter's own document: writing a tree the round's checker rejects helps nobody
        raise GenerationError(f"a {rules.version} {opts.division} submission needs {rounds.CALIBRATION_DOC} "
                              "describing its quantization and calibration, which cmperf does not write; "
                              "use --division open, or another round")
    category = rounds.normalize_system_type(opts.category)
    if category not in rounds.VALID_SYSTEM_TYPES:
        raise GenerationError(f"unknown category '{opts.category}' (expected edge, datacenter or datacenter,edge)")
    sub = os.path.join(build_dir, opts.division, opts.submitter)
    notes, mapping = [], {}
    for sut in suts:        # validate first: one run per scenario (see results_writer run ids)
        for model, runs in sut.models.items():
            for scenario, run in runs.items():
                try:
                    check_one_run(run.path, f"{sut.name}/{model}/{scenario}")
                except MixedRunError as e:
                    raise GenerationError(str(e)) from None
    for sut in suts:
        desc = system_desc.build_system_desc(sut.info, opts.division, opts.submitter, category,
                                             opts.system_user, opts.system_flags, system=sut.name,
                                             aliases=rules.system_field_aliases)
        _write(os.path.join(sub, "systems", f"{sut.name}.json"), json.dumps(desc, indent=2) + "\n")
        for model, runs in sut.models.items():
            mdir, target = submission_model_name(model, opts, rules)
            if target:
                mapping[mdir] = target
            official = rules.model(target or mdir)
            plan = (infer.plan_inference(runs, infer.edge_scenarios(category, official))
                    if opts.infer_scenarios else {})
            for scenario, run in sorted(runs.items()):
                _write_scenario(sub, sut, mdir, official, scenario, run, rules, opts, inferred_from=None)
            for target_scen, source in sorted(plan.items()):
                _write_scenario(sub, sut, mdir, official, target_scen, runs[source], rules, opts,
                                inferred_from=source)
                notes.append(f"{sut.name}/{mdir}: {target_scen} inferred from {source}")
            _write_code_readme(sub, mdir, rules)
    if mapping:
        _write(os.path.join(sub, "model_mapping.json"), json.dumps(mapping, indent=2) + "\n")
    return notes


def _write_scenario(sub, sut, mdir, official, scenario, run, rules, opts, inferred_from):
    """One results/<system>/<mdir>/<scenario> (and its measurements and compliance dirs);
    ``official`` is the ModelRules mdir is (or, open division, is mapped to)."""
    tail = (sut.name, mdir, scenario)
    res = os.path.join(sub, "results", *tail)
    v6 = rules.layout == "v6"
    mdir_path = res if v6 else os.path.join(sub, "measurements", *tail)
    cdir = res if v6 else os.path.join(sub, "compliance", *tail)

    for name in rounds.PERF_FILES:
        _copy(os.path.join(run.perf_dir, name), os.path.join(res, "performance", "run_1", name))
    _write_accuracy(run, os.path.join(res, "accuracy"))

    _copy(os.path.join(run.perf_dir, "user.conf"), os.path.join(mdir_path, "user.conf"))
    if rules.mlperf_conf_required:
        _write(os.path.join(mdir_path, "mlperf.conf"), rounds.mlperf_conf_text(rules, official))
    measurements = load_json_object(os.path.join(run.path, "measurements.json"), "measurements file", error=GenerationError, missing=None)
    if measurements is None:
        raise ResultsDirError(f"{run.path}: measurements.json missing (input_data_types, retraining, ...)")
    mname = "measurements.json" if v6 else f"{sut.name}_{IMPLEMENTATION}_{scenario}.json"
    _write(os.path.join(mdir_path, mname), json.dumps(measurements, indent=2) + "\n")
    _write(os.path.join(mdir_path, "README.md"), result_readme(sut, mdir, scenario, run, rules, inferred_from))

    if opts.division != "open":
        for test in official.compliance_tests:
            if test in run.compliance:
                _write_compliance(run, run.compliance[test], os.path.join(cdir, test), test)


def _write_accuracy(run, acc_out):
    if not run.has_accuracy:
        raise ResultsDirError(f"{run.accuracy_dir}: accuracy run missing (a submission needs one per scenario)")
    src_log = os.path.join(run.accuracy_dir, "mlperf_log_accuracy.json")
    src_txt = os.path.join(run.accuracy_dir, "accuracy.txt")
    for p in (src_log, src_txt):
        if not os.path.isfile(p):
            raise ResultsDirError(f"{p}: required file missing from the accuracy run")
    digest = sha256_file(src_log)
    with open(src_txt, encoding="utf-8") as f:
        _write(os.path.join(acc_out, "accuracy.txt"), accuracy_log.accuracy_txt_with_hash(f.read(), digest))
    _write(os.path.join(acc_out, "mlperf_log_accuracy.json"), accuracy_log.truncated_bytes(src_log))
    for name in rounds.PERF_FILES:
        _copy(os.path.join(run.accuracy_dir, name), os.path.join(acc_out, name))


def _write_compliance(run, src, dst, test):
    """Copy a compliance run; verify it with our own code when the harness did not."""
    wanted = ("verify_performance.txt", "verify_accuracy.txt") if test == "TEST01" else ("verify_performance.txt",)
    if all(os.path.isfile(os.path.join(src, n)) for n in wanted):
        for name in wanted:
            _copy(os.path.join(src, name), os.path.join(dst, name))
    else:
        compliance.write_verification(test, run.path, src, out_dir=dst)
    for name in rounds.PERF_FILES:
        _copy(os.path.join(src, "performance", "run_1", name), os.path.join(dst, "performance", "run_1", name))
    if test == "TEST01":
        acc_log = os.path.join(src, "accuracy", "mlperf_log_accuracy.json")
        if not os.path.isfile(acc_log):
            acc_log = os.path.join(src, "performance", "run_1", "mlperf_log_accuracy.json")
        _write(os.path.join(dst, "accuracy", "mlperf_log_accuracy.json"), accuracy_log.truncated_bytes(acc_log))
        for name in ("accuracy.txt", "baseline_accuracy.txt", "compliance_accuracy.txt"):
            p = os.path.join(src, "accuracy", name)
            if os.path.isfile(p):
                _copy(p, os.path.join(dst, "accuracy", name))


def _write_code_readme(sub, mdir, rules):
    path = (os.path.join(sub, "src", "README.md") if rules.layout == "v6"
            else os.path.join(sub, "code", mdir, IMPLEMENTATION, "README.md"))
    _write(path, "# Implementation\n\nThese results were produced with cmperf (Collective-Mind-style automation "
                 "for MLPerf Inference): the LoadGen harness in `cmperf/mlperf/` run through\n"
                 "`cm run script --tags=run-mlperf,inference`. Each result's README.md gives the exact command.\n")


def result_readme(sut, mdir, scenario, run, rules, inferred_from):
    run_info = load_json_object(os.path.join(run.perf_dir, "run.json"), "run record", error=GenerationError, missing={})
    harness_readme = ""
    p = os.path.join(run.path, "README.md")
    if os.path.isfile(p):
        with open(p, encoding="utf-8") as f:
            harness_readme = f.read().strip()
    lines = [f"# {mdir} {scenario} on {sut.name}", "",
             f"MLPerf Inference {rules.version} submission result generated by cmperf.submission.", ""]
    if inferred_from:
        lines += [f"**Inferred result**: {scenario} is inferred from the {inferred_from} run "
                  "(the logs are the measured scenario's, as MLPerf allows for edge systems).", ""]
    command = run_info.get("command")
    if command:
        lines += ["## LoadGen process command (performance run)", "", "```bash", command if isinstance(command, str) else shlex.join(command), "```", ""]
    versions = {k: v for k, v in run_info.items() if "version" in k}
    try:   # the version LoadGen itself logged beats any record of it
        versions["loadgen_version"] = parse_detail_log(os.path.join(run.perf_dir, "mlperf_log_detail.txt"))["loadgen_version"]
    except (LogFormatError, KeyError):
        pass
    if versions or sut.info.get("framework_version"):
        versions.setdefault("framework_version", sut.info.get("framework_version"))
        lines += ["## Versions", ""] + [f"- {k}: {v}" for k, v in sorted(versions.items()) if v] + [""]
    if harness_readme:
        lines += ["## Run record (from the results directory)", "", harness_readme, ""]
    return "\n".join(lines)
