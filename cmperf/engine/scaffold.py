"""`cm add script NAME --tags=...`: a new script folder users fill in."""
import os
import uuid

from .errors import InputError

META = """alias: {alias}
uid: {uid}
automation_alias: script
automation_uid: 5b4e0237da074764
tags: [{tags}]
cache: false
deps:
  - tags: detect,os
input_mapping:
  message: CM_{upper}_MESSAGE
default_env:
  CM_{upper}_MESSAGE: hello
new_env_keys:
  - CM_{upper}_*
variations:
  loud:
    env:
      CM_{upper}_LOUD: "yes"
"""

CUSTOMIZE = '''"""Hooks of {alias}: keep them small; put real logic in a Python module."""


def preprocess(i):
    env = i["env"]
    if not env.get("CM_{upper}_MESSAGE"):
        return {{"return": 1, "error": "--message must not be empty"}}
    return {{"return": 0}}


def postprocess(i):
    env = i["env"]
    env["CM_{upper}_DONE"] = "yes"
    return {{"return": 0}}
'''

RUN = """#!/bin/bash
# Runs with the env exported; write KEY=VALUE lines to tmp-run-env.out to export values back.
msg="${{CM_{upper}_MESSAGE}}"
if [ "${{CM_{upper}_LOUD}}" = "yes" ]; then msg="$(echo "$msg" | tr '[:lower:]' '[:upper:]')"; fi
echo "$msg"
echo "CM_{upper}_OUTPUT=$msg" > tmp-run-env.out
"""


def add_script(repo_path, alias, tags):
    if not alias or "/" in alias or alias.startswith((".", "_", "-")):
        raise InputError(f"'{alias}' is not a valid script name (use letters, digits and dashes)")
    tags = [t for t in (tags or alias.split("-")) if t]
    target = os.path.join(repo_path, "script", alias)
    if os.path.exists(target):
        raise InputError(f"{target} already exists; choose another name or edit it")
    upper = alias.upper().replace("-", "_")
    files = {"_cm.yaml": META.format(alias=alias, uid=uuid.uuid4().hex[:16], tags=", ".join(tags), upper=upper),
             "customize.py": CUSTOMIZE.format(alias=alias, upper=upper),
             "run.sh": RUN.format(upper=upper)}
    tmp = target + f".tmp-{os.getpid()}"
    os.makedirs(tmp)
    for name, text in files.items():
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(text)
    os.chmod(os.path.join(tmp, "run.sh"), 0o755)
    os.rename(tmp, target)
    return target
