"""Fixtures of the report tests: the shipped published CSVs and small hand-made CSVs."""
import csv
import os

import pytest

from cmperf.report import store as store_mod

DATA_DIR = os.path.join(store_mod.DATA_REPO, "experiment", "mlperf-inference-v3.1-edge-published")
MAIN_CSV = os.path.join(DATA_DIR, "mlperf-inference-v3.1-edge.csv")


def raw_rows(name="mlperf-inference-v3.1-edge.csv"):
    """The CSV rows as plain dicts, read independently of the importer."""
    with open(os.path.join(DATA_DIR, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def read_raw():
    return raw_rows


@pytest.fixture(scope="session")
def published():
    return store_mod.load_published()


@pytest.fixture(scope="session")
def main_rows():
    return raw_rows()


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (a header list + row lists) to a CSV under tmp_path and return its path."""
    def write(name, header, rows):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        return str(path)
    return write
