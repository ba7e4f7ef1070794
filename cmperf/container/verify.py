"""After a build: the image holds exactly the pip versions the plan resolved."""
import json

from .errors import VersionMismatch


def compare(pipset, inventory):
    """Lines describing every difference between the plan's pins and an image's inventory."""
    found = inventory.get("distributions", {})
    problems = []
    for name, version in sorted(pipset.pins.items()):
        if found.get(name) != version:
            problems.append(f"{name}: plan {version}, image {found.get(name) or 'missing'}")
    for name in sorted(pipset.requirements):
        if name not in pipset.pins and name not in found:
            problems.append(f"{name}: required by the plan, missing from the image")
    return problems


def image_inventory(engine, image):
    r = engine.run(["run", "--rm", "--network=host", "--entrypoint", "python", image,
                    "-m", "cmperf.container.inventory"], timeout=300)
    if r.returncode != 0:
        raise VersionMismatch(f"cannot list the packages of {image}: {(r.stderr or r.stdout).strip()[-800:]}")
    return json.loads(r.stdout)


def check(engine, image, pipset):
    """The inventory of ``image``; VersionMismatch naming each package that differs."""
    inventory = image_inventory(engine, image)
    problems = compare(pipset, inventory)
    if problems:
        raise VersionMismatch(f"image {image} does not reproduce the plan's versions:\n  " + "\n  ".join(problems),
                              hint="nothing ran in it; rebuild without the layer cache (--docker_cache=no), or "
                                   "inspect it with --docker_skip_verify --docker_it")
    return inventory
