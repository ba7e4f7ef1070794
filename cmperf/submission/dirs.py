"""Where the results of the run just made, and the submission tree, are (upstream's results-dir and
submission-dir scripts). cmperf's MLPerf app writes <cwd>/results unless --results_dir is given, and
its submission step writes <cwd>/submission: the same defaults are found here."""
import os

from ..core.errors import CmperfError

SUT_INFO = "cm-sut-info.json"


class DirError(CmperfError):
    pass


def _suts(path):
    return sorted(d for d in os.listdir(path) if os.path.isfile(os.path.join(path, d, SUT_INFO)))


def results_dir(given=None, cwd=None):
    """The results directory to use: --results_dir (must exist), else ./results holding a run's SUT folders."""
    if given:
        path = os.path.abspath(os.path.expanduser(given))
        if not os.path.isdir(path):
            raise DirError(f"results directory not found: {path}")
        return path
    path = os.path.join(cwd or os.getcwd(), "results")
    if not os.path.isdir(path) or not _suts(path):
        raise DirError(f"no results of an MLPerf run in {path} (a run writes <sut>/{SUT_INFO} there); "
                       "run `cm run script --tags=run-mlperf,inference` here first, or pass --results_dir")
    return path


def submission_dir(given=None, cwd=None):
    """The submission tree's directory: --submission_dir, else ./submission (created by whoever writes it)."""
    return os.path.abspath(os.path.expanduser(given)) if given else os.path.join(cwd or os.getcwd(), "submission")
