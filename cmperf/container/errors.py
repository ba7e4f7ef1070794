"""Container errors: each says what failed and what to do next."""
from ..core.errors import CmperfError


class ContainerError(CmperfError):
    rc = 1


class NoEngine(ContainerError):
    """Neither podman nor docker is usable on this machine."""


class BaseImageMissing(ContainerError):
    """The base image is not in the engine's local store and pulling was not asked for."""


class BuildFailed(ContainerError):
    """The engine could not build the image."""

    rc = 2


class RunFailed(ContainerError):
    """The workflow inside the container exited with an error."""

    rc = 2


class VersionMismatch(ContainerError):
    """The image's packages differ from the versions the plan resolved."""
