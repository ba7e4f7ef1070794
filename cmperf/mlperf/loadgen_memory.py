"""Will LoadGen's own records of a test fit in memory? Asked before the model loads.

LoadGen keeps a record of every sample it issues until the test ends. An Offline test issues
``offline_expected_qps x min_duration x 1.1`` samples in one query: on a fast machine with a light
model that is millions of samples, and the process grows until the kernel kills it, many minutes
in and with nothing written. Measured here (a valid digits-mlp Offline run, LoadGen 6.0.17): a
4.6 GB peak for 6.0 M issued samples, about 0.8 kB a sample; the estimate uses 1 kB for headroom.
A test whose records would not fit in the memory available now is refused with what to change.
"""
import os

from .errors import ConfigError

BYTES_PER_ISSUED_SAMPLE = 1000
USABLE_SHARE = 0.9          # of MemAvailable: the model, the dataset and the OS need some too


def available_bytes():
    """MemAvailable (Linux), else free physical pages; None when the platform tells neither."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_issued_samples(samples, scenario, model, available=None):
    """Raise ConfigError when ``samples`` issued samples would not fit; return the estimate (bytes)."""
    need = int(samples or 0) * BYTES_PER_ISSUED_SAMPLE
    available = available_bytes() if available is None else available
    if not need or available is None or need <= USABLE_SHARE * available:
        return need
    gib = 1024 ** 3
    raise ConfigError(
        f"LoadGen would issue {samples:,} samples in this {model} {scenario} test and keep about "
        f"{need / gib:.1f} GiB of records for them, but {available / gib:.1f} GiB of memory is available: "
        "the run would be killed before it ends. Give it more memory, or run a heavier model "
        "(fewer samples per second), or for a test-mode run a smaller target "
        "(--offline_target_qps / --server_target_qps)")
