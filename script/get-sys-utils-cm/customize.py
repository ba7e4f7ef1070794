from cmperf.platform import os_info, sys_packages
from cmperf.platform.cm_hooks import hook, is_yes


@hook
def preprocess(i):
    env = i["env"]
    if is_yes(env.get("CM_SKIP_SYS_UTILS")):
        print("get-sys-utils-cm: skipped (--skip_sys_utils)")
        env["CM_SYS_UTILS_SKIPPED"] = "yes"
        return
    names = [n.strip() for n in env.get("CM_SYS_UTILS_LIST", "").split(",") if n.strip()]
    info, _ = os_info.detect_cached()
    report = sys_packages.ensure_packages(
        names, info, quiet=is_yes(env.get("CM_QUIET")),
        allow_sudo=not is_yes(env.get("CM_TMP_SKIP_SUDO")))
    env["CM_SYS_UTILS_INSTALLED"] = ",".join(report.installed)
    env["CM_SYS_UTILS_PRESENT"] = ",".join(report.present)
    if report.unavailable:
        print(f"get-sys-utils-cm: not packaged for {info.package_manager}: {', '.join(report.unavailable)}")
