"""Install the cmperf engine and libraries.

The checkout itself is the CM repository (cmr.yaml, automation/, script/); install it
editable (``pip install -e .``) and run ``cmperf-setup`` once to register it with cmind.
"""
import os
import runpy

from setuptools import find_packages, setup

APPLE_SILICON = "sys_platform == 'darwin' and platform_machine == 'arm64'"
NOT_APPLE_SILICON = "sys_platform != 'darwin' or platform_machine != 'arm64'"
# cmperf/pins.py, run by path: importing cmperf here would need its dependencies installed first
PINS = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cmperf", "pins.py"))

setup(
    name="cmperf",
    version="0.1.0",
    description="Collective-Mind-style automation scripts for reproducible MLPerf benchmarking",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.9",
    packages=find_packages(include=["cmperf", "cmperf.*"]),
    include_package_data=True,
    package_data={"cmperf": ["data/*", "data/*/*"]},
    install_requires=[
        "cmind>=3.0",                  # the `cm` front end and the artifact index
        "PyYAML>=5.4",
        "mlcommons-loadgen>=4.1",      # the official MLPerf LoadGen
        "onnxruntime>=1.16",
        "onnx>=1.14",
        "numpy>=1.23",
        "scikit-learn>=1.2",           # ships the digits data of the embedded default benchmark
        "tabulate>=0.9",
        "matplotlib>=3.6",
        "requests>=2.28",
        "tqdm>=4.64",
        "opencv-python-headless>=4.5",  # the MLPerf reference ImageNet preprocessing uses OpenCV
    ],
    extras_require={
        "tensorflow": [
            f"tensorflow-cpu>=2.13; {NOT_APPLE_SILICON}",
            f"tensorflow>=2.13; {APPLE_SILICON}",
            f"tensorflow-metal>=1.0; {APPLE_SILICON}",
        ],
        # deepsparse 1.8.0 pins old numpy/onnx: the engine installs it into its own
        # virtualenv (install-python-venv), never into this environment.
        "deepsparse": ["deepsparse==1.8.0"],
        # OpenImages mAP (retinanet): the reference accuracy script's own COCO evaluator
        "detection": ["pycocotools>=2.0.6"],
        # --backend=pytorch (3d-unet, bert, resnet50, retinanet, rnnt): pinned, as an unpinned torch
        # pulls a CUDA build; the same pin as get-generic-python-lib's _torch (cmperf/pins.py)
        "pytorch": [f"torch=={PINS['TORCH']}"],
        "test": ["pytest>=7", "hypothesis>=6", "pycocotools>=2.0.6"],
        # `cm run experiment --executor=ray`: sweeps and fleet runs on a Ray cluster
        "distributed": ["ray>=2.9"],
    },
    entry_points={"console_scripts": ["cmperf-setup=cmperf.setup_repo:main"]},
)
