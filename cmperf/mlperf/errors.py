"""Exceptions of the MLPerf harness library. Each message names the file/model/option at fault."""
from cmperf.core.errors import CmperfError


class MlperfError(CmperfError):
    """Base class: any failure the user can act on."""


class UnknownChoiceError(MlperfError, ValueError):
    """A name (model, backend, device, scenario, ...) that is not one of the known choices."""

    def __init__(self, kind, value, choices):
        self.kind, self.value, self.choices = kind, value, sorted(choices)
        super().__init__(f"unknown {kind} {value!r}; choices: {', '.join(self.choices)}")


class BackendUnavailableError(MlperfError):
    """A backend that cannot be installed or imported on this platform/environment."""


class ModelFileError(MlperfError):
    """A missing, corrupt or unusable model file."""


class DatasetError(MlperfError):
    """A missing or malformed dataset directory/file."""


class HarnessNotImplementedError(MlperfError):
    """A registered model that our reference harness cannot run yet."""


class ConfigError(MlperfError):
    """Bad run settings (user.conf, run style, stray audit.config, ...)."""


class LoadGenError(MlperfError):
    """LoadGen failed or produced no usable logs."""
