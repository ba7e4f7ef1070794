import json

from cmperf import setup_repo


def test_register_adds_checkout_and_data_repo_once(cm_repos):
    first = setup_repo.register(quiet=True)
    second = setup_repo.register(quiet=True)
    paths = json.loads((cm_repos / "repos.json").read_text())
    assert first == second == [setup_repo.ROOT, setup_repo.ROOT + "/cm-repo"]
    assert paths.count(setup_repo.ROOT) == 1 and paths.count(setup_repo.ROOT + "/cm-repo") == 1
