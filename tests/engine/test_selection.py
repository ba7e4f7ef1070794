"""Selecting a script: tags, exclusions, alias, uid, deterministic choice, closest hints."""


def test_all_tags_must_match(repo, cm):
    repo.script("get-thing", {"tags": ["get", "thing"], "new_env_keys": ["X"], "env": {"X": "thing"}})
    repo.script("get-other", {"tags": ["get", "other"], "new_env_keys": ["X"], "env": {"X": "other"}})
    assert cm("run", "script", "--tags=get,thing", "-s")["new_env"] == {"X": "thing"}
    r = cm("run", "script", "--tags=get,thing,other", "-s")
    assert r["return"] == 16 and "no script matches all the tags" in r["error"]


def test_excluded_tag_and_alias_and_uid(repo, cm):
    repo.script("a-one", {"tags": ["pick", "one"], "env": {"X": "1"}, "new_env_keys": ["X"]})
    repo.script("a-two", {"tags": ["pick", "two"], "env": {"X": "2"}, "new_env_keys": ["X"], "uid": "00000000000000ff"})
    assert cm("run", "script", "--tags=pick,-one", "-s")["new_env"] == {"X": "2"}
    assert cm("run", "script", "a-one", "-s")["new_env"] == {"X": "1"}
    assert cm("run", "script", "00000000000000ff", "-s")["new_env"] == {"X": "2"}


def test_space_separated_tags_in_the_artifact(repo, cm):
    repo.script("x-y", {"tags": ["xx", "yy"], "env": {"X": "1"}, "new_env_keys": ["X"],
                        "variations": {"v": {"env": {"V": "on"}}}})
    r = cm("run", "script", "xx yy _v", "-s")
    assert r["return"] == 0 and r["variations"] == ["v"]


def test_several_matches_choose_by_sort_then_alias(repo, cm):
    repo.script("tool-b", {"tags": ["tool"], "env": {"X": "b"}, "new_env_keys": ["X"]})
    repo.script("tool-a", {"tags": ["tool"], "env": {"X": "a"}, "new_env_keys": ["X"]})
    assert cm("run", "script", "--tags=tool", "-s", "--quiet")["new_env"] == {"X": "a"}
    repo.script("tool-c", {"tags": ["tool"], "env": {"X": "c"}, "new_env_keys": ["X"], "sort": -1})
    assert cm("run", "script", "--tags=tool", "-s")["new_env"] == {"X": "c"}


def test_scripts_with_a_cache_entry_are_preferred(repo, cm):
    repo.script("tool-a", {"tags": ["tool"], "env": {"X": "a"}, "new_env_keys": ["X"], "cache": True})
    repo.script("tool-b", {"tags": ["tool", "bee"], "env": {"X": "b"}, "new_env_keys": ["X"], "cache": True})
    assert cm("run", "script", "--tags=tool,bee", "-s")["new_env"] == {"X": "b"}
    assert cm("run", "script", "--tags=tool", "-s")["new_env"] == {"X": "b"}


def test_unknown_tag_lists_the_closest_scripts(repo, cm):
    repo.script("get-python3", {"tags": ["get", "python3", "python"]})
    r = cm("run", "script", "--tags=get,pyhton3", "-s")
    assert r["return"] == 16
    assert "closest scripts" in r["error"] and "get-python3" in r["error"]


def test_variation_filters_candidates(repo, cm):
    repo.script("m-a", {"tags": ["multi"], "new_env_keys": ["X"], "env": {"X": "a"}})
    repo.script("m-b", {"tags": ["multi"], "new_env_keys": ["X"], "env": {"X": "b"},
                        "variations": {"special": {}}})
    assert cm("run", "script", "--tags=multi,_special", "-s")["new_env"] == {"X": "b"}
