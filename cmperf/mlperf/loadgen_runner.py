"""One LoadGen test in this process: settings from mlperf.conf + user.conf, logs into a dir.

LoadGen traps handled here (see loadgen-and-backends.md): import ``mlperf_loadgen`` only; the
built-in mlperf.conf is loaded by the first FromConfig of a process and skipped by later ones, so
only one test may run per process; the log directory must exist; an ``audit.config`` in the
working directory silently changes the test, so it is refused unless this is a compliance run.
"""
import os
from importlib import metadata

from .errors import ConfigError, LoadGenError

_TEST_RAN = False


def loadgen_version():
    try:
        return metadata.version("mlcommons-loadgen")
    except metadata.PackageNotFoundError:
        return "unknown"


def _version_tuple(v):
    out = []
    for part in v.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def import_loadgen():
    try:
        import mlperf_loadgen as lg
    except ImportError as e:
        raise LoadGenError(f"mlperf_loadgen is not importable ({e}); `pip install mlcommons-loadgen`") from e
    if not hasattr(lg, "TestSettings"):
        raise LoadGenError("mlperf_loadgen is an empty package (was mlcommons_loadgen imported first?)")
    return lg


def build_settings(lg, user_conf, loadgen_model, scenario, mode, mlperf_conf=None):
    """TestSettings with mlperf.conf (built in from LoadGen 4.1, else ``mlperf_conf``) then user.conf."""
    if not os.path.isfile(user_conf):
        raise ConfigError(f"user.conf {user_conf!r} does not exist")
    ts = lg.TestSettings()
    version = _version_tuple(loadgen_version())
    if mlperf_conf:
        if not os.path.isfile(mlperf_conf):
            raise ConfigError(f"mlperf.conf {mlperf_conf!r} does not exist")
        rc = ts.FromConfig(mlperf_conf, loadgen_model, scenario, 0) if version >= (4, 1) else \
            ts.FromConfig(mlperf_conf, loadgen_model, scenario)
        if rc != 0:
            raise ConfigError(f"LoadGen rejected mlperf.conf {mlperf_conf!r} (rc {rc})")
    elif version < (4, 1):
        raise ConfigError(f"LoadGen {loadgen_version()} has no built-in mlperf.conf: pass --mlperf-conf "
                          "with the mlperf.conf of the same inference release")
    if version >= (5, 0):
        rc = ts.FromConfig(user_conf, loadgen_model, scenario, 1)
    elif version >= (4, 1):
        rc = ts.FromConfig(user_conf, loadgen_model, scenario, False)  # is_mlperf_conf=False
    else:
        rc = ts.FromConfig(user_conf, loadgen_model, scenario)
    if rc != 0:
        raise ConfigError(f"LoadGen could not apply user.conf {user_conf!r} (rc {rc})")
    ts.scenario = getattr(lg.TestScenario, scenario)
    ts.mode = lg.TestMode.AccuracyOnly if mode == "accuracy" else lg.TestMode.PerformanceOnly
    return ts


def apply_round(settings, version, compliance_test=None):
    """Use the RNG seeds of MLPerf round ``version`` (LoadGen's built-in ones are its own round's).

    Attributes set after FromConfig win; TEST05 also needs its own seeds set here, since
    LoadGen ignores seed keys in audit.config.
    """
    from cmperf.submission import compliance, rounds

    try:
        seeds = rounds.get_round(version).seeds
        overrides = compliance.loadgen_overrides(compliance_test, version) if compliance_test else {}
    except (rounds.UnknownRoundError, compliance.AuditConfigError) as e:
        raise ConfigError(str(e)) from None
    settings.qsl_rng_seed = seeds.qsl
    settings.sample_index_rng_seed = seeds.sample_index
    settings.schedule_rng_seed = seeds.schedule
    for key, value in overrides.items():
        setattr(settings, key, value)


def check_audit_config(audit_conf, cwd=None):
    """Return the audit file LoadGen should read; refuse a stray audit.config outside compliance."""
    cwd = cwd or os.getcwd()
    stray = os.path.join(cwd, "audit.config")
    if audit_conf:
        if not os.path.isfile(audit_conf):
            raise ConfigError(f"audit config {audit_conf!r} does not exist")
        return os.path.abspath(audit_conf)
    if os.path.exists(stray):
        raise ConfigError(
            f"a stray {stray} would silently change this LoadGen test (it is only for compliance runs); "
            "remove it, run from another directory, or pass it explicitly with --audit-conf")
    return os.path.join(cwd, "no-audit.config-for-this-run")  # a path that does not exist


def run_test(lg, sut, qsl, settings, log_dir, audit_file):
    """Run the single LoadGen test of this process, logging into ``log_dir`` (created first)."""
    global _TEST_RAN
    if _TEST_RAN:
        raise LoadGenError("one LoadGen test per process: a second test would skip mlperf.conf "
                           "and invalidate the run; start a new process")
    _TEST_RAN = True
    os.makedirs(log_dir, exist_ok=True)
    out = lg.LogOutputSettings()
    out.outdir = os.path.abspath(log_dir)
    out.copy_summary_to_stdout = False
    log = lg.LogSettings()
    log.log_output = out
    log.enable_trace = False
    sut_handle = lg.ConstructFastSUT(sut.issue_queries, sut.flush_queries)
    qsl_handle = lg.ConstructQSL(qsl.total_count, qsl.performance_count, qsl.load_samples, qsl.unload_samples)
    sut.start()
    try:
        lg.StartTestWithLogSettings(sut_handle, qsl_handle, settings, log, audit_file)
    finally:
        sut.stop()
        lg.DestroyQSL(qsl_handle)
        lg.DestroyFastSUT(sut_handle)
    summary = os.path.join(log_dir, "mlperf_log_summary.txt")
    if not os.path.isfile(summary):
        raise LoadGenError(f"LoadGen wrote no {summary}")
