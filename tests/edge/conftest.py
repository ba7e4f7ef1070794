"""The edge benchmarks' tests use the script tests' `cm` runner, local HTTP server and LoadGen helper."""
from tests.mlscripts.conftest import cm, loadgen_accuracy_run, server  # noqa: F401
