"""Fixtures of the container tests: a registered CM home shared by a module, a fixed pip universe."""
import os

import pytest

# A fixed "installed on the host" universe, so golden files do not depend on this machine's venv.
FAKE_HOST = {
    "cmind": ("4.2.0", ["requests", "giturlparse"]),
    "giturlparse": ("0.12.0", []),
    "requests": ("2.32.3", ["idna<4,>=2.5", "urllib3<3,>=1.21.1", "certifi>=2017.4.17",
                            "PySocks!=1.5.7,>=1.5.6; extra == 'socks'"]),
    "idna": ("3.7", []), "urllib3": ("2.2.2", []), "certifi": ("2024.7.4", []),
    "pyyaml": ("6.0.1", []),
    "mlcommons-loadgen": ("4.1", []),
    "onnxruntime": ("1.19.2", ["numpy>=1.21.6", "protobuf", "flatbuffers"]),
    "onnx": ("1.16.2", ["numpy>=1.20", "protobuf>=3.20.2"]),
    "numpy": ("1.26.4", []), "protobuf": ("5.27.3", []), "flatbuffers": ("24.3.25", []),
    "scikit-learn": ("1.5.1", ["numpy>=1.19.5", "scipy>=1.6.0", "joblib>=1.2.0",
                               "pytest>=7.1.2; extra == 'tests'"]),
    "scipy": ("1.14.0", ["numpy<2.3,>=1.23.5"]), "joblib": ("1.4.2", []),
    "tabulate": ("0.9.0", []),
    "matplotlib": ("3.9.1", ["numpy>=1.23", "pillow>=8"]), "pillow": ("10.4.0", []),
    "tqdm": ("4.66.4", ["colorama; platform_system == 'Windows'"]),
    "opencv-python-headless": ("4.10.0.84", ["numpy>=1.21.2"]),
}


@pytest.fixture
def fake_installed():
    return FAKE_HOST.get


@pytest.fixture(scope="session")
def registered_home(tmp_path_factory):
    """A CM home with this checkout registered (what `cmperf-setup` does), shared by the container tests."""
    from cmperf import setup_repo
    home = tmp_path_factory.mktemp("CM")
    old = os.environ.get("CM_REPOS")
    os.environ["CM_REPOS"] = str(home)
    try:
        setup_repo.register(str(home), quiet=True)
        yield home
    finally:
        if old is None:
            os.environ.pop("CM_REPOS", None)
        else:
            os.environ["CM_REPOS"] = old
