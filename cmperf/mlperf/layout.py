"""Paths of the MLPerf results directory (docs/architecture.md, "MLPerf results directory").

<results>/<sut>/cm-sut-info.json
<results>/<sut>/<model>/<scenario>/{measurements.json,README.md,performance/run_1/,accuracy/,TEST0x/}
"""
import os
import re

from .registry import check_scenario

SUT_INFO = "cm-sut-info.json"


def _clean(part):
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", str(part)).strip("_") or "unknown"


def sut_name(hw_name, implementation, device, backend, backend_version, run_config="default_config"):
    """<hw_name>-<implementation>-<device>-<backend>-v<backend_version>-<run_config>"""
    parts = (hw_name, implementation, device, backend, f"v{backend_version}", run_config)
    return "-".join(_clean(p) for p in parts)


def scenario_dir(results_dir, sut, model, scenario):
    return os.path.join(results_dir, sut, model, check_scenario(scenario).lower())


def mode_dir(results_dir, sut, model, scenario, mode, compliance_test=None):
    base = scenario_dir(results_dir, sut, model, scenario)
    if compliance_test:
        base = os.path.join(base, compliance_test)
    return os.path.join(base, "performance", "run_1") if mode == "performance" else os.path.join(base, "accuracy")
