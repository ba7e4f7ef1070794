"""Per-round MLPerf Inference rule constants (the facts the checker and generator share).

Sources: the official submission checkers of mlcommons/inference (tag v3.1, the v4.0/v4.1 one at
af2780c, and master = round v6.1) as summarised in /work/shared/reference/mlperf-submission.md,
and LoadGen's mlperf.conf.
Two benchmarks are described: ResNet-50 (the embedded default `digits-mlp` is mapped to `resnet`
in the open division) and BERT-Large on SQuAD v1.1 (bert-99, bert-99.9), each constant of the
latter with the file and commit it was read from.
"""
import dataclasses
from dataclasses import dataclass, field

from ..mlperf import spec as _spec

SCENARIOS = _spec.SCENARIO_NAMES   # the one definition is cmperf.mlperf.spec.Scenario
SCENARIO_BY_LOWER = {s.dirname: s.name for s in _spec.SCENARIOS.values()}   # results-dir name -> name

DIVISIONS = ("closed", "open", "network")
IGNORED_DIVISION_DIRS = (".git", ".github", "assets")
VALID_STATUS = ("available", "preview", "rdi")
VALID_SYSTEM_TYPES = ("datacenter", "edge", "datacenter,edge", "edge,datacenter")

MAX_ACCURACY_LOG_BYTES = 10 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024

PERF_FILES = ("mlperf_log_summary.txt", "mlperf_log_detail.txt")
PERF_OPTIONAL_FILES = ("mlperf_log_accuracy.json", "mlperf_log_trace.json", "results.json", ".gitkeep")
ACCURACY_FILES = ("accuracy.txt", "mlperf_log_accuracy.json", "mlperf_log_detail.txt", "mlperf_log_summary.txt")
MEASUREMENTS_JSON_KEYS = ("input_data_types", "retraining", "starting_weights_filename",
                          "weight_data_types", "weight_transformations")

SYSTEM_REQUIRED_FIELDS = (
    "division", "submitter", "status", "system_name", "number_of_nodes", "host_processor_model_name",
    "host_processors_per_node", "host_processor_core_count", "host_memory_capacity",
    "host_storage_capacity", "host_storage_type", "accelerators_per_node", "accelerator_model_name",
    "accelerator_memory_capacity", "framework", "operating_system",
    "system_type", "other_software_stack", "host_processor_frequency", "host_processor_caches",
    "host_memory_configuration", "host_processor_interconnect", "host_networking",
    "host_networking_topology", "accelerator_frequency", "accelerator_host_interconnect",
    "accelerator_interconnect", "accelerator_interconnect_topology", "accelerator_memory_configuration",
    "accelerator_on-chip_memories", "cooling", "hw_notes", "sw_notes",
    "host_network_card_count", "system_type_detail",
)
SYSTEM_NONEMPTY_FIELDS = (
    "division", "submitter", "system_type", "status", "system_name", "number_of_nodes",
    "host_processor_model_name", "host_processors_per_node", "host_processor_core_count",
    "host_memory_capacity", "host_memory_configuration", "host_storage_capacity", "host_storage_type",
    "host_networking", "host_network_card_count", "host_networking_topology", "accelerators_per_node",
    "accelerator_model_name", "accelerator_memory_capacity", "accelerator_host_interconnect",
    "accelerator_memory_configuration", "accelerator_interconnect", "cooling", "framework",
    "operating_system", "other_software_stack",
)
# Optional keys the checkers know (power and network submissions): present -> fine; any other
# key -> warning only. From the official checker's SYSTEM_DESC_REQUIRED_FIELDS_POWER/_NETWORK_MODE.
SYSTEM_OPTIONAL_FIELDS = (
    "power_management", "filesystem", "boot_firmware_version", "management_firmware_version",
    "other_hardware", "number_of_type_nics_installed", "nics_enabled_firmware", "nics_enabled_os",
    "nics_enabled_connected", "network_speed_mbit", "power_supply_quantity_and_rating_watts",
    "power_supply_details", "disk_drives", "disk_controllers", "system_power_only",
    "is_network", "network_type", "network_media", "network_rate", "nic_loadgen", "number_nic_loadgen",
    "net_software_stack_loadgen", "network_protocol", "number_connections", "nic_sut", "number_nic_sut",
    "net_software_stack_sut", "network_topology",
)
# The card-count field added in v3.1 is spelled "host_networking_card_count" in a v3.1-era copy of
# the official checker and "host_network_card_count" in later ones (and in our reference): for
# v3.1 either spelling satisfies the rule, and the generator writes both.
SYSTEM_FIELD_ALIASES_V3_1 = {"host_network_card_count": ("host_networking_card_count",)}


@dataclass(frozen=True)
class Seeds:
    qsl: int
    sample_index: int
    schedule: int

    def as_log_keys(self):
        return {"effective_qsl_rng_seed": self.qsl,
                "effective_sample_index_rng_seed": self.sample_index,
                "effective_schedule_rng_seed": self.schedule}


@dataclass(frozen=True)
class ModelRules:
    name: str                        # official checker name (e.g. "resnet")
    aliases: tuple                   # directory names accepted for it (e.g. "resnet50")
    loadgen_name: str                # model name in mlperf.conf / user.conf
    accuracy_metric: str             # the official checker's ACC_PATTERN key ("acc", "F1")
    accuracy_pattern: str            # regex with one group on an accuracy.txt line
    accuracy_target: float           # closed/network minimum
    dataset_size: int                # accuracy run must cover it (v6.1 checker)
    performance_sample_count: int
    server_target_latency_ns: int    # None: the round has no Server latency bound for the model
    compliance_tests: tuple          # TEST dirs the round requires (closed/network)
    required_scenarios: dict         # system_type -> tuple of scenarios (closed/network)
    test01_accuracy_delta_pct: float  # TEST01 baseline vs compliance accuracy, when responses differ
    offline_min_samples_per_query: int = None   # None: the round's offline_min_samples_per_query
    equal_issue_closed: bool = False  # closed/network runs must use equal-issue mode (sample_concatenate_permutation)


@dataclass(frozen=True)
class RoundRules:
    version: str
    layout: str                      # "v3": sibling measurements/ compliance/ code/; "v6": all under results/, src/
    seeds: Seeds
    test05_seeds: Seeds = None
    min_duration_ms: int = 600000
    offline_min_samples_per_query: int = 24576
    offline_spq_closed_only: bool = False
    mlperf_conf_required: bool = True
    hygiene_official: bool = True    # the official checker enforces the whole-tree hygiene rules
    invalid_result_official: bool = True
    dataset_size_official: bool = False
    skip_compliance_allowed: bool = True   # master ignores --skip_compliance
    system_field_aliases: dict = field(default_factory=dict)   # field -> other accepted spellings
    code_dir: str = "code"
    server_result_key: str = "result_completed_samples_per_sec"   # the Server metric's detail-log key
    # divisions whose submitter folder must document its quantization and calibration in
    # CALIBRATION_DOC (at the submitter folder or under documentation/)
    calibration_doc_divisions: tuple = ()
    # Rules confirmed by running that round's official checker on generated trees (v3.1, v6.1); the
    # others are read from its source. A run without _rX.Y defaults to the newest confirmed round.
    checker_run_confirmed: bool = True
    models: dict = field(default_factory=dict)

    def model(self, name):
        """The rules of an official model name or alias, or None."""
        for m in self.models.values():
            if name == m.name or name in m.aliases:
                return m
        return None

    def min_samples_per_query(self, model):
        """Offline effective_samples_per_query floor for a model (or for an unknown one)."""
        per_model = model.offline_min_samples_per_query if model is not None else None
        return per_model if per_model is not None else self.offline_min_samples_per_query


_RESNET_COMMON = dict(
    name="resnet", aliases=("resnet50", "resnet-50", "resnet50-99"), loadgen_name="resnet50",
    accuracy_metric="acc", accuracy_pattern=r"^accuracy=([\d\.]+)", accuracy_target=76.46 * 0.99,
    dataset_size=50000, performance_sample_count=1024, server_target_latency_ns=15_000_000,
    test01_accuracy_delta_pct=1,
)

# BERT-Large on SQuAD v1.1. Every value below is read from mlcommons/inference:
#   [v3.1]  tools/submission/submission_checker.py @ 0009b1e3a62e1907eb98a19ebd3c6432f47ae5cb
#           (MODEL_CONFIG["v3.1"], check_compliance_dir; the newest stored copy with a v3.1 section,
#           which agrees for bert with a v3.1-default copy of the file found in the index)
#   [v6.1]  tools/submission/submission_checker/constants.py @ 96b55248b5f0eb178c7731faaed4c859ac3751ec
#           (MODEL_CONFIG["v6.1"], OFFLINE_MIN_SPQ_SINCE_V4, ACC_PATTERN)
#   [delta] tools/submission/submission_checker/configuration/configuration.py
#           @ 04b58327ba6d84e31294fa43386234ab020eb0dc, get_delta_perc(): 0.1 if "99.9" in the model
#           name else 1 (the v3.1 checker's check_compliance_acc_dir has the same rule)
#   [conf]  loadgen/mlperf.conf @ 001712e9daf80386e0dda43f97b8f36981d792c4: LoadGen's model name is "bert"
# ACC_PATTERN["F1"], identical in [v3.1] and [v6.1]: the first line of the SQuAD accuracy script,
# json.dumps({"exact_match": ..., "f1": ...}) with the keys in that order.
F1_PATTERN = r"^{[\"\']exact_match[\"\']\:\s*[\d\.]+,\s*[\"\']f1[\"\']\:\s*([\d\.]+)}"
BERT_F1_REFERENCE = 90.874   # accuracy-target ("F1", 90.874 * 0.99 | 0.999) in [v3.1] and [v6.1]


def _bert(variant, **round_values):
    fraction = {"99": 0.99, "99.9": 0.999}[variant]
    return ModelRules(
        name=f"bert-{variant}", aliases=(), loadgen_name="bert",                        # [conf]
        accuracy_metric="F1", accuracy_pattern=F1_PATTERN,
        accuracy_target=BERT_F1_REFERENCE * fraction,                                   # [v3.1] [v6.1]
        dataset_size=10833,             # [v6.1] dataset-size (v3.1 has no dataset-size rule)
        performance_sample_count=10833,                                                 # [v3.1] [v6.1]
        test01_accuracy_delta_pct=0.1 if variant == "99.9" else 1,                      # [delta]
        **round_values)


_BERT_V3_1 = dict(
    server_target_latency_ns=130_000_000,          # [v3.1] latency-constraint {"Server": 130000000}
    compliance_tests=("TEST01", "TEST05"),         # [v3.1] check_compliance_dir drops TEST04 for bert
    # Offline floor: the round's 24576 ([v3.1] OFFLINE_MIN_SPQ applies to every v3.1 model)
)
_BERT_V6_1 = dict(
    server_target_latency_ns=None,                 # [v6.1] no latency-constraint: no Server scenario
    compliance_tests=("TEST01",),                  # [v6.1] models_TEST01 has bert, models_TEST04 not
    offline_min_samples_per_query=10833,           # [v6.1] OFFLINE_MIN_SPQ_SINCE_V4 (closed only)
    # [v6.1] required-scenarios-edge and -datacenter-edge; bert is not in -datacenter.
    required_scenarios={"edge": ("SingleStream", "Offline"), "datacenter,edge": ("SingleStream", "Offline")},
)


# RetinaNet (OpenImages), RNN-T (LibriSpeech) and 3D-UNet (KiTS19). Every value is read from:
#   [v3.1]  tools/submission/submission_checker.py @ 0009b1e3a62e1907eb98a19ebd3c6432f47ae5cb:
#           MODEL_CONFIG["v3.1"] (required-scenarios-*, accuracy-target, performance-sample-count,
#           latency-constraint), ACC_PATTERN, and check_compliance_dir (TEST04 is dropped for rnnt,
#           3d-unet-99/99.9 and retinanet; TEST01 and TEST05 stay)
#   [v6.1]  tools/submission/submission_checker/constants.py @ 96b55248b5f0eb178c7731faaed4c859ac3751ec:
#           MODEL_CONFIG["v6.1"] lists neither retinanet nor rnnt (not benchmarks of the round);
#           3d-unet-99/99.9: accuracy-target, performance-sample-count, dataset-size,
#           required-scenarios-*, models_TEST01 (and not models_TEST04); OFFLINE_MIN_SPQ_SINCE_V4
#   [delta] as for bert: 0.1 % for "99.9" models, else 1 %
#   [conf]  loadgen/mlperf.conf model names: "retinanet", "rnnt", "3d-unet"
MAP_PATTERN = r"^mAP=([\d\.]+).*"                                # [v3.1] ACC_PATTERN["mAP"]
WER_PATTERN = r"Word Error Rate\:.*, accuracy=([0-9\.]+)%"         # [v3.1] ACC_PATTERN["WER"]
DICE_PATTERN = r"Accuracy\:\s*mean\s*=\s*([\d\.]+).*"             # [v3.1] [v6.1] ACC_PATTERN["DICE"]
KITS19_DICE_REFERENCE = 0.86170                                  # [v3.1] [v6.1] accuracy-target base

RETINANET_V3_1 = ModelRules(
    name="retinanet", aliases=(), loadgen_name="retinanet",                              # [conf]
    accuracy_metric="mAP", accuracy_pattern=MAP_PATTERN,
    accuracy_target=37.55 * 0.99,                                                        # [v3.1]
    dataset_size=24781,         # the MLPerf OpenImages validation subset (openimages-mlperf.json)
    performance_sample_count=64,                                                         # [v3.1]
    server_target_latency_ns=100_000_000,                                                # [v3.1]
    compliance_tests=("TEST01", "TEST05"),                                               # [v3.1]
    required_scenarios={"edge": ("SingleStream", "MultiStream", "Offline"),              # [v3.1]
                        "datacenter": ("Server", "Offline"),
                        "datacenter,edge": ("SingleStream", "Offline", "MultiStream", "Server")},
    test01_accuracy_delta_pct=1)                                                         # [delta]

RNNT_V3_1 = ModelRules(
    name="rnnt", aliases=(), loadgen_name="rnnt",                                        # [conf]
    accuracy_metric="WER", accuracy_pattern=WER_PATTERN,
    accuracy_target=(100 - 7.452) * 0.99,                                                # [v3.1]
    dataset_size=2513,          # LibriSpeech dev-clean utterances the reference keeps (<= 15 s)
    performance_sample_count=2513,                                                       # [v3.1]
    server_target_latency_ns=1_000_000_000,                                              # [v3.1]
    compliance_tests=("TEST01", "TEST05"),                                               # [v3.1]
    required_scenarios={"edge": ("SingleStream", "Offline"),                             # [v3.1]
                        "datacenter": ("Server", "Offline"),
                        "datacenter,edge": ("SingleStream", "Offline", "Server")},
    test01_accuracy_delta_pct=1)                                                         # [delta]


def _unet(variant, **round_values):
    fraction = {"99": 0.99, "99.9": 0.999}[variant]
    return ModelRules(
        name=f"3d-unet-{variant}", aliases=(), loadgen_name="3d-unet",                   # [conf]
        accuracy_metric="DICE", accuracy_pattern=DICE_PATTERN,
        accuracy_target=KITS19_DICE_REFERENCE * fraction,                                # [v3.1] [v6.1]
        dataset_size=43,                                                                 # [v6.1] dataset-size
        performance_sample_count=43,                                                     # [v3.1] [v6.1]
        server_target_latency_ns=None,          # [v3.1] [v6.1] no latency-constraint: no Server
        required_scenarios={"edge": ("SingleStream", "Offline"),                         # [v3.1] [v6.1]
                            "datacenter": ("Offline",),
                            "datacenter,edge": ("SingleStream", "Offline")},
        test01_accuracy_delta_pct=0.1 if variant == "99.9" else 1,                       # [delta]
        **round_values)


_UNET_V3_1 = dict(compliance_tests=("TEST01", "TEST05"))                                 # [v3.1]
_UNET_V6_1 = dict(compliance_tests=("TEST01",),                                          # [v6.1] models_TEST01
                  offline_min_samples_per_query=43)                                      # [v6.1] OFFLINE_MIN_SPQ_SINCE_V4

V3_1 = RoundRules(
    version="v3.1", layout="v3",
    seeds=Seeds(148687905518835231, 520418551913322573, 811580660758947900),
    test05_seeds=Seeds(793197339507417767, 255610748586851044, 352213341366340113),
    mlperf_conf_required=True, hygiene_official=True, invalid_result_official=True,
    system_field_aliases=SYSTEM_FIELD_ALIASES_V3_1,
    dataset_size_official=False, code_dir="code", server_result_key="result_scheduled_samples_per_sec",
    models={"resnet": ModelRules(
        compliance_tests=("TEST01", "TEST04", "TEST05"),
        required_scenarios={
            "edge": ("SingleStream", "MultiStream", "Offline"),
            "datacenter": ("Server", "Offline"),
            "datacenter,edge": ("SingleStream", "Offline", "MultiStream", "Server"),
        }, **_RESNET_COMMON),
        # [v3.1] required-scenarios-*: bert-99.9 is not in -edge (a datacenter-only benchmark).
        "bert-99": _bert("99", required_scenarios={
            "edge": ("SingleStream", "Offline"), "datacenter": ("Server", "Offline"),
            "datacenter,edge": ("SingleStream", "Offline", "Server")}, **_BERT_V3_1),
        "bert-99.9": _bert("99.9", required_scenarios={
            "datacenter": ("Server", "Offline"), "datacenter,edge": ("Offline", "Server")}, **_BERT_V3_1),
        "retinanet": RETINANET_V3_1,
        "rnnt": RNNT_V3_1,
        "3d-unet-99": _unet("99", **_UNET_V3_1),
        "3d-unet-99.9": _unet("99.9", **_UNET_V3_1),
    },
)

# v4.0 and v4.1. Every value below is read from mlcommons/inference
#   [v4]  tools/submission/submission_checker.py @ af2780c84e35417606fd7fccb7e4cd940a0acccf, whose
#         MODEL_CONFIG holds exactly "v4.0" and "v4.1" (default --version v4.1): seeds, test05_seeds,
#         required-scenarios-*, accuracy-target, performance-sample-count, latency-constraint;
#         OFFLINE_MIN_SPQ_SINCE_V4 (checked for every division); TEST_DURATION_MS = 600000 (rejects);
#         check_compliance_dir (TEST01 TEST04 TEST05, TEST04 dropped for rnnt, bert, 3d-unet, retinanet);
#         REQUIRED_MEASURE_FILES = mlperf.conf, user.conf, README.md; RESULT_FIELD_NEW (Server:
#         result_scheduled_samples_per_sec in v4.0, result_completed_samples_per_sec in v4.1);
#         requires_equal_issue() (3d-unet in the closed/network division of v4.1); no dataset-size
#         rule; the same whole-tree hygiene and system fields as v3.1 (host_network_card_count).
#   [delta] as for bert: 0.1 % for "99.9" models, else 1 %
_V4_RESNET = ModelRules(
    compliance_tests=("TEST01", "TEST04", "TEST05"),                                     # [v4]
    required_scenarios={"edge": ("SingleStream", "MultiStream", "Offline"),              # [v4]
                        "datacenter": ("Server", "Offline"),
                        "datacenter,edge": ("SingleStream", "Offline", "MultiStream", "Server")},
    offline_min_samples_per_query=24576, **_RESNET_COMMON)                               # [v4] SINCE_V4
_V4_BERT = dict(server_target_latency_ns=130_000_000,                                    # [v4]
                compliance_tests=("TEST01", "TEST05"),                                   # [v4]
                offline_min_samples_per_query=10833)                                     # [v4] SINCE_V4
_V4_RETINANET = dataclasses.replace(RETINANET_V3_1, offline_min_samples_per_query=24576)  # [v4] = v3.1 + SINCE_V4


def _v4_models(unet_extra):
    return {
        "resnet": _V4_RESNET,
        # [v4] required-scenarios-*: bert-99.9 is not in -edge (a datacenter benchmark), as in v3.1
        "bert-99": _bert("99", required_scenarios={
            "edge": ("SingleStream", "Offline"), "datacenter": ("Server", "Offline"),
            "datacenter,edge": ("SingleStream", "Offline", "Server")}, **_V4_BERT),
        "bert-99.9": _bert("99.9", required_scenarios={
            "datacenter": ("Server", "Offline"), "datacenter,edge": ("Offline", "Server")}, **_V4_BERT),
        "retinanet": _V4_RETINANET,
        "3d-unet-99": _unet("99", compliance_tests=("TEST01", "TEST05"),                 # [v4]
                            offline_min_samples_per_query=43, **unet_extra),             # [v4] SINCE_V4
        "3d-unet-99.9": _unet("99.9", compliance_tests=("TEST01", "TEST05"),
                              offline_min_samples_per_query=43, **unet_extra),
    }


_V4_COMMON = dict(
    checker_run_confirmed=False, layout="v3", min_duration_ms=600000, offline_spq_closed_only=False, mlperf_conf_required=True,
    hygiene_official=True, invalid_result_official=True, dataset_size_official=False,
    skip_compliance_allowed=True, code_dir="code")

V4_0 = RoundRules(
    version="v4.0",
    seeds=Seeds(13281865557512327830, 198141574272810017, 7575108116881280410),           # [v4]
    test05_seeds=Seeds(2376919268182438552, 11176391829184272374, 3911940905271271337),    # [v4]
    server_result_key="result_scheduled_samples_per_sec",                               # [v4]
    # rnnt is a v4.0 benchmark ([v4] models): its v3.1 rules plus the SINCE_V4 Offline floor
    models={**_v4_models({}), "rnnt": dataclasses.replace(RNNT_V3_1, offline_min_samples_per_query=2513)},
    **_V4_COMMON,
)

V4_1 = RoundRules(
    version="v4.1",
    seeds=Seeds(3066443479025735752, 10688027786191513374, 14962580496156340209),          # [v4]
    test05_seeds=Seeds(16799458546791641818, 5453809927556429288, 5435552105434836064),    # [v4]
    server_result_key="result_completed_samples_per_sec",                               # [v4]
    models=_v4_models({"equal_issue_closed": True}),       # [v4] no rnnt in v4.1; 3d-unet: equal issue
    **_V4_COMMON,
)

# v5.0 and v5.1. Every value below is read from mlcommons/inference:
#   [v5]   tools/submission/submission_checker/constants.py @ 96b55248b5f0eb178c7731faaed4c859ac3751ec
#          (the file V6_1 is read from; it still holds MODEL_CONFIG["v5.0"] and ["v5.1"], and an older
#          copy @ 9e3d1054ec143c87c06a0a305f6eca4a37fe662e has the same values for every one used here):
#          MODEL_CONFIG["v5.x"] models, seeds, required-scenarios-*, accuracy-target,
#          performance-sample-count, dataset-size, latency-constraint, models_TEST01 and models_TEST04
#          (neither section has test05_seeds or a TEST05 list); OFFLINE_MIN_SPQ_SINCE_V4;
#          RESULT_FIELD_NEW["v5.x"]["Server"]; REQUIRED_MEASURE_FILES (user.conf and README.md, no
#          mlperf.conf); MEASUREMENTS_PATH, COMPLIANCE_PATH and SRC_PATH["v5.0"/"v5.1"]: the sibling
#          measurements/<system>/... and compliance/<system>/... trees and code/ (layout "v3"; "v6.0" is
#          the first round with everything under results/ and src/)
#   [old]  tools/submission/submission_checker_old.py @ 14ba5268698efb6bbaa737cb99625d78deb16fb0, the
#          single-file "checker for MLPerf Inference submissions from v5.0 onwards" (default --version v5.1;
#          its MODEL_CONFIG holds "v5.1" and "v6.0", its "v5.1" equal to [v5]'s for these models; its tree
#          walk already uses the v6 paths, so the layout is taken from [v5]): the whole-tree hygiene checks;
#          --skip_compliance honoured; a result is valid only with result_validity VALID; TEST_DURATION_MS
#          = 600000 rejects; the Offline floor OFFLINE_MIN_SPQ_SINCE_V4[model] in every division; the
#          dataset-size rule (qsl_reported_total_count, logged as an ERROR); check_compliance_dir (TEST01 and
#          TEST04, TEST04 dropped for bert, retinanet, 3d-unet; no TEST05); requires_equal_issue() (3d-unet,
#          with no version or division condition); Config.skip_calibration() (true for "v5.0")
#   [conf] loadgen/mlperf.conf @ 001712e9daf80386e0dda43f97b8f36981d792c4, the v5.1 LoadGen settings (it has
#          deepseek-r1 and whisper): the seeds of [v5] "v5.1"; "TEST_05 (not needed from v5.0 onwards)";
#          3d-unet.*.sample_concatenate_permutation = 1
#   [delta] as for bert: 0.1 % for "99.9" models, else 1 %
# Not shown by these sources, so not guessed:
#   - the v5.0 seeds are in [v5] only (each section carries upstream's "TODO: Update random seeds"); no
#     stored v5.0 mlperf.conf confirms them as [conf] confirms v5.1's.
#   - equal issue for 3d-unet: [old] requires it in every round and division, the package's
#     configuration/configuration.py @ 04b58327ba6d84e31294fa43386234ab020eb0dc only in closed/network v4.1.
#     Kept: equal_issue_closed (closed/network), the stricter reading this field can hold; [conf] sets it.
#   - [old] also requires, in closed/network of v5.1 (not v5.0), a calibration.md at <submitter>/ or
#     <submitter>/documentation/ (calibration_doc_divisions), and in every round a results/<system> for
#     each systems/<system>.json, which cmperf's checker does not check (the generator always meets it).
_V5_RESNET = dict(compliance_tests=("TEST01", "TEST04"),                                  # [v5] [old]
                  offline_min_samples_per_query=24576, **_RESNET_COMMON)                  # [v5] SINCE_V4
_V5_BERT = dict(server_target_latency_ns=None,     # [v5] no bert latency-constraint: no Server scenario
                compliance_tests=("TEST01",),      # [v5] models_TEST01 has bert, models_TEST04 not; [old]
                offline_min_samples_per_query=10833,                                     # [v5] SINCE_V4
                # [v5] required-scenarios-edge and -datacenter-edge (bert-99.9 too, unlike v4.x); not in
                # -datacenter
                required_scenarios={"edge": ("SingleStream", "Offline"),
                                    "datacenter,edge": ("SingleStream", "Offline")})
# [v5] retinanet: the v3.1 target, sample count, latency and scenarios; TEST01 only; SINCE_V4 floor
_V5_RETINANET = dataclasses.replace(RETINANET_V3_1, compliance_tests=("TEST01",), offline_min_samples_per_query=24576)
_V5_UNET = dict(compliance_tests=("TEST01",),                                            # [v5] [old]
                offline_min_samples_per_query=43,                                        # [v5] SINCE_V4
                equal_issue_closed=True)                                                 # [old] [conf], see above


def _v5_models(resnet_scenarios):
    # [v5] models: no rnnt in either round
    return {
        "resnet": ModelRules(required_scenarios=resnet_scenarios, **_V5_RESNET),
        "bert-99": _bert("99", **_V5_BERT),
        "bert-99.9": _bert("99.9", **_V5_BERT),
        "retinanet": _V5_RETINANET,
        "3d-unet-99": _unet("99", **_V5_UNET),
        "3d-unet-99.9": _unet("99.9", **_V5_UNET),
    }


_V5_COMMON = dict(
    layout="v3", code_dir="code",                  # [v5] MEASUREMENTS_PATH, COMPLIANCE_PATH, SRC_PATH
    test05_seeds=None,                             # [v5] no test05_seeds; [conf] [old] no TEST05
    min_duration_ms=600000,                        # [old] TEST_DURATION_MS
    offline_min_samples_per_query=24576, offline_spq_closed_only=False,                  # [old] every division
    mlperf_conf_required=False,                    # [v5] [old] REQUIRED_MEASURE_FILES
    hygiene_official=True, invalid_result_official=True, skip_compliance_allowed=True,   # [old]
    dataset_size_official=True,                    # [v5] dataset-size; [old] logs an ERROR
    server_result_key="result_completed_samples_per_sec",                               # [v5] RESULT_FIELD_NEW
    checker_run_confirmed=False)                   # read from source; no checker was run on our trees

V5_0 = RoundRules(
    version="v5.0",
    seeds=Seeds(6023615788873153749, 15036839855038426416, 9933818062894767841),         # [v5]
    # [v5] resnet is still a datacenter benchmark in v5.0
    models=_v5_models({"edge": ("SingleStream", "MultiStream", "Offline"),
                       "datacenter": ("Server", "Offline"),
                       "datacenter,edge": ("SingleStream", "Offline", "MultiStream", "Server")}),
    **_V5_COMMON,
)

V5_1 = RoundRules(
    version="v5.1",
    seeds=Seeds(1780908523862526354, 14771362308971278857, 18209322760996052031),        # [v5] [conf]
    # [v5] v5.1 required-scenarios-datacenter has no resnet (as in v6.1)
    models=_v5_models({"edge": ("SingleStream", "MultiStream", "Offline"),
                       "datacenter,edge": ("SingleStream", "MultiStream", "Offline", "Server")}),
    calibration_doc_divisions=("closed", "network"),   # [old] calibration.md; skip_calibration() v5.0 only
    **_V5_COMMON,
)

V6_1 = RoundRules(
    version="v6.1", layout="v6",
    seeds=Seeds(2085463073848966840, 2747215439041700203, 16159082839903944936),
    test05_seeds=None, offline_spq_closed_only=True,
    mlperf_conf_required=False, hygiene_official=False, invalid_result_official=False,
    dataset_size_official=True, skip_compliance_allowed=False, code_dir="src",
    models={"resnet": ModelRules(
        compliance_tests=("TEST01", "TEST04"),
        required_scenarios={
            "edge": ("SingleStream", "MultiStream", "Offline"),
            "datacenter,edge": ("SingleStream", "MultiStream", "Offline", "Server"),
            # v6.1 datacenter: resnet is not a datacenter benchmark any more.
        }, **_RESNET_COMMON),
        "bert-99": _bert("99", **_BERT_V6_1),
        "bert-99.9": _bert("99.9", **_BERT_V6_1),
        # [v6.1] retinanet and rnnt are not benchmarks of the round
        "3d-unet-99": _unet("99", **_UNET_V6_1),
        "3d-unet-99.9": _unet("99.9", **_UNET_V6_1),
    },
)

ROUNDS = {"v3.1": V3_1, "v4.0": V4_0, "v4.1": V4_1, "v5.0": V5_0, "v5.1": V5_1, "v6.1": V6_1}
# "-dev" is upstream CM's tag for a round while it is being prepared: that round's rules.
ROUND_ALIASES = {"r3.1": "v3.1", "3.1": "v3.1", "r6.1": "v6.1", "6.1": "v6.1", "master": "v6.1",
                 "r4.0": "v4.0", "4.0": "v4.0", "r4.0-dev": "v4.0", "v4.0-dev": "v4.0",
                 "r4.1": "v4.1", "4.1": "v4.1", "r4.1-dev": "v4.1", "v4.1-dev": "v4.1",
                 "r5.0": "v5.0", "5.0": "v5.0", "r5.0-dev": "v5.0", "v5.0-dev": "v5.0",
                 "r5.1": "v5.1", "5.1": "v5.1", "r5.1-dev": "v5.1", "v5.1-dev": "v5.1",
                 "r6.1-dev": "v6.1", "v6.1-dev": "v6.1"}


class UnknownRoundError(ValueError):
    pass


def get_round(version):
    key = ROUND_ALIASES.get(str(version).lower().lstrip("_"), str(version).lower())
    if key not in ROUNDS:
        raise UnknownRoundError(
            f"unknown MLPerf round '{version}': supported rounds are {', '.join(sorted(ROUNDS))}")
    return ROUNDS[key]


def normalize_system_type(value):
    """Lower case, no spaces; "edge,datacenter" is the same category as "datacenter,edge"."""
    parts = [p.strip() for p in str(value).lower().split(",")]
    return "datacenter,edge" if sorted(parts) == ["datacenter", "edge"] else ",".join(parts)


CALIBRATION_DOC = "calibration.md"
CALIBRATION_DOC_PLACES = ("", "documentation")     # relative to the submitter folder

# Inference allowed on edge systems: directory scenario -> effective scenarios it may come from.
EDGE_INFERABLE = {
    "MultiStream": ("SingleStream",),
    "Offline": ("SingleStream", "MultiStream"),
}

# LoadGen's mlperf.conf entries of the round for one benchmark (written into v3.1 measurements
# dirs because LoadGen >= 4.1 compiles mlperf.conf in and ships no file). The model lines are the
# model's rules above under its LoadGen name, so they say what the checker will hold the run to.
def mlperf_conf_text(rules, model):
    s, name = rules.seeds, model.loadgen_name
    server = ([f"{name}.Server.target_latency = {model.server_target_latency_ns // 1_000_000}"]
              if model.server_target_latency_ns else [])
    return "\n".join([
        f"# MLPerf Inference {rules.version} LoadGen settings for {name} (the subset of the",
        "# round's loadgen/mlperf.conf that applies to this benchmark; written by cmperf.submission",
        "# from cmperf/submission/rounds.py because LoadGen >= 4.1 compiles mlperf.conf in).",
        f"*.*.qsl_rng_seed = {s.qsl}",
        f"*.*.sample_index_rng_seed = {s.sample_index}",
        f"*.*.schedule_rng_seed = {s.schedule}",
        f"{name}.*.performance_sample_count_override = {model.performance_sample_count}",
        "*.SingleStream.target_latency_percentile = 90",
        "*.SingleStream.min_duration = 600000",
        "*.SingleStream.min_query_count = 1024",
        "*.MultiStream.target_latency_percentile = 99",
        "*.MultiStream.samples_per_query = 8",
        "*.MultiStream.min_duration = 600000",
        "*.MultiStream.min_query_count = 270336",
        "*.Server.target_latency_percentile = 99",
        "*.Server.target_duration = 0",
        "*.Server.min_duration = 600000",
        "*.Server.min_query_count = 270336",
        *server,
        "*.Offline.target_latency_percentile = 90",
        "*.Offline.min_duration = 600000",
        f"{name}.Offline.min_query_count = {rules.min_samples_per_query(model)}",
        "",
    ])
