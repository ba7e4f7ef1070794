"""Containers: a Containerfile derived from a request's plan, built and run with podman or docker.

`cm docker script ...` and `cm run script ... --docker` call `workflow.docker(i)`;
`cm run script --tags=build,dockerfile` calls `workflow.dockerfile(i)`.

One idea per module: `options` (the --docker_* flags), `plan_source` (the plan's nodes and
actions), `pins` (pip versions the plan resolved), `command` (the inner `cm run` request and
its secrets), `containerfile` (the text, a pure function), `context` (the build folder),
`engine` (podman/docker found, build, run), `mounts` (host paths), `inventory` and `verify`
(versions inside the image), `entry` (the image's entry point), `workflow` (the steps in order).
"""
