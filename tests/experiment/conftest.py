"""Fixtures of the experiment tests: a wrapped command that runs a real (tiny) LoadGen test."""
import os
import sys

import pytest

TINY_LOADGEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_loadgen.py")


@pytest.fixture
def loadgen_template():
    """Command tokens of one step: a real LoadGen Offline run with batch size {{BATCH}}, its logs in
    the step directory."""
    return [sys.executable, TINY_LOADGEN, "--scenario", "Offline", "--out", "{{CM_EXPERIMENT_PATH}}/logs",
            "--batch", "{{BATCH}}"]


@pytest.fixture
def quiet():
    return lambda *a, **k: None
