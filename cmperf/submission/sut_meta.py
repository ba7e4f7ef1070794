"""What upstream's get-mlperf-inference-sut-description and -sut-configs return, from cmperf's
sources: the host facts the harness records, the user's system file, and per-SUT targets."""
import os

import yaml

from ..core.errors import CmperfError
from ..mlperf import hostfacts
from ..mlperf.user_conf import DEFAULT_TARGET_LATENCY_MS, DEFAULT_TARGET_QPS
from . import rounds
from .system_desc import DETECTED, SystemDescError, build_system_desc, load_user_file


class SutConfigError(CmperfError):
    pass


def sut_name(hw_name, implementation, device, backend, backend_version="", run_config="default_config"):
    """<hw>-<implementation>-<device>-<backend>-v<version>-<run_config>, as the results tree names it."""
    version = f"v{backend_version}" if backend_version else "vdefault"
    return "-".join([hw_name, implementation, device, backend, version, run_config])


def describe(hw_name, division, submitter, category, system_json=""):
    """(system description dict, missing required fields). A partial description is returned with
    the fields only the user can give listed as missing (the submission generator will ask for them)."""
    facts = {**hostfacts.host_facts(), "system_name": hw_name}
    user = load_user_file(system_json)
    try:
        return build_system_desc(facts, division, submitter, category, user=user, system=hw_name), []
    except SystemDescError as e:
        desc = {dst: str(facts[src]) for src, dst in DETECTED.items() if facts.get(src) not in (None, "")}
        desc.update({k: str(v) for k, v in user.items()})
        desc.update(division=division, submitter=submitter, system_type=category)
        return desc, list(e.missing)


def configs_dir(given=""):
    home = os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
    return given or os.path.join(home, "cmperf", "sut-configs")


def load_config(directory, sut):
    """{model: {scenario: {target_qps|target_latency: value}}} of a SUT ({} if it has none yet)."""
    path = os.path.join(directory, sut, "config.yaml")
    if not os.path.isfile(path):
        return {}, path
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except yaml.YAMLError as e:
        raise SutConfigError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(data, dict):
        raise SutConfigError(f"{path}: expected a mapping model -> scenario -> targets")
    return data, path


def targets(config, model, scenario):
    """(target_qps, target_latency_ms, source) for one model/scenario: the SUT's config, else the defaults."""
    entry = ((config.get(model) or {}).get(scenario) or {})
    qps, lat = entry.get("target_qps"), entry.get("target_latency")
    if qps is None and lat is None:
        return DEFAULT_TARGET_QPS.get(scenario), DEFAULT_TARGET_LATENCY_MS.get(scenario), "default"
    return qps, lat, "sut-config"


__all__ = ["describe", "sut_name", "configs_dir", "load_config", "targets", "rounds"]
