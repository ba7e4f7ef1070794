"""Platform and plumbing: the facts and helpers every cmperf workflow builds on.

One module per idea: ``os_info``, ``cpu_info``, ``gpu_info`` (detection), ``facts_cache``
(cached detection keyed on what changes), ``sys_packages`` (OS packages), ``python_env``,
``python_packages`` and ``pip_install`` (interpreters, venvs, pip), ``download``,
``archive`` and ``git_repo``. Each raises a :class:`PlatformError` subclass with a
message a user can act on; CM script hooks turn those into ``{'return': 1, 'error': ...}``.
"""
from cmperf.core.errors import CmperfError


class PlatformError(CmperfError):
    """Base class of every error raised by cmperf.platform."""
