"""The edge benchmarks' tests use the script tests' `cm` runner, local HTTP server and LoadGen helper,
and the submission tests' tree builder."""
from tests.mlscripts.conftest import cm, loadgen_accuracy_run, server  # noqa: F401
from tests.submission.conftest import tree_builder  # noqa: F401
