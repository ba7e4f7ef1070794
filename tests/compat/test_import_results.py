"""import-mlperf-inference-to-experiment: a round's summary becomes a result store the reports read."""
import os

from cmperf.report.store import load_published

# the official checker's summary.csv columns (as printed by the SCC'23 tutorial), two rows of v4.0
OFFICIAL = (
    "Organization,Availability,Division,SystemType,SystemName,Platform,Model,MlperfModel,Scenario,Result,"
    "Accuracy,number_of_nodes,host_processor_model_name,host_processors_per_node,host_processor_core_count,"
    "accelerator_model_name,accelerators_per_node,Location,framework,operating_system,notes,compliance,errors,"
    "version,inferred,has_power,Units\n"
    "CTuning,available,open,edge,laptop,laptop-reference-cpu-onnxruntime,resnet50,resnet50,Offline,120.5,76.1,"
    "1,AMD Ryzen,1,16,,0,open/CTuning/results/laptop/resnet50/offline,onnxruntime v1.17,Ubuntu 22.04,,1,0,"
    "v4.0,False,False,Samples/s\n"
    "Other,available,closed,edge,box,box-nvidia,bert-99,bert-99,Offline,900,90.2,1,Intel Xeon,1,32,"
    "NVIDIA L4,1,closed/Other/results/box/bert-99/offline,TensorRT,Ubuntu 22.04,,1,0,v4.0,False,False,Samples/s\n"
)


def test_skip_checker_imports_summary_of_any_round(cm):
    (cm.work / "summary.csv").write_text(OFFICIAL)
    rc, _, out = cm("import mlperf inference to-experiment _skip_checker", "--submitter=CTuning")
    assert rc == 0, out
    target = cm.home / "repos" / "local" / "experiment" / "mlperf-inference-v4.0-CTuning-published"
    assert target.is_dir(), out
    store = load_published(round_name="v4.0", repo=str(cm.home / "repos" / "local"))
    assert [(r.model, r.scenario, r.value, r.submitter, r.round) for r in store] == \
        [("resnet50", "Offline", 120.5, "CTuning", "v4.0")]


def test_existing_artifact_is_not_overwritten_and_bad_input_is_named(cm):
    (cm.work / "summary.csv").write_text(OFFICIAL)
    assert cm("import mlperf inference to-experiment _skip_checker")[0] == 0
    rc, _, out = cm("import mlperf inference to-experiment _skip_checker")
    assert rc != 0 and "exists" in out
    rc, _, out = cm("import mlperf inference to-experiment", "--summary_csv=missing.csv")
    assert rc != 0 and "missing.csv" in out
    rc, _, out = cm("import mlperf inference to-experiment _skip_checker", "--submitter=Nobody", "--name=x")
    assert rc != 0 and "Nobody" in out and "CTuning" in out
    assert not os.path.exists(cm.home / "repos" / "local" / "experiment" / "x")
