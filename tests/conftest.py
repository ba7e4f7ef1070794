"""Fixtures shared by every test area."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def cm_repos(tmp_path, monkeypatch):
    """An isolated CM home: nothing a test registers or caches leaks into ~/CM."""
    home = tmp_path / "CM"
    monkeypatch.setenv("CM_REPOS", str(home))
    return home
