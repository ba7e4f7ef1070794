import json

from cmperf import setup_repo


def test_register_adds_checkout_and_data_repo_once(cm_repos):
    first = setup_repo.register(quiet=True)
    second = setup_repo.register(quiet=True)
    paths = json.loads((cm_repos / "repos.json").read_text())
    assert first == second == [setup_repo.ROOT, setup_repo.ROOT + "/cm-repo"]
    assert paths.count(setup_repo.ROOT) == 1 and paths.count(setup_repo.ROOT + "/cm-repo") == 1


def test_register_uses_the_home_it_is_given_not_cminds_global_instance(cm_repos, tmp_path, monkeypatch):
    setup_repo.register(quiet=True)       # cmind's global instance, if used, would now keep this home
    other = tmp_path / "other-CM"
    monkeypatch.setenv("CM_REPOS", str(other))
    assert setup_repo.register(quiet=True) == [setup_repo.ROOT, setup_repo.ROOT + "/cm-repo"]
    assert setup_repo.ROOT in json.loads((other / "repos.json").read_text())
