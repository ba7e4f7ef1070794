import sys

from cmperf.platform import PlatformError, os_info, sys_packages
from cmperf.platform.cm_hooks import hook, is_yes


@hook
def preprocess(i):
    env = i["env"]
    name = env.get("CM_SYS_UTIL_NAME", "")
    if not name:
        raise PlatformError("no package selected: add a variation such as _numactl or _package.NAME")
    if is_yes(env.get("CM_SKIP_SYS_UTILS")):
        print(f"get-generic-sys-util: {name} skipped (--skip_sys_utils)")
        return
    info, _ = os_info.detect_cached()
    try:
        report = sys_packages.ensure_packages([name], info, quiet=is_yes(env.get("CM_QUIET")),
                                              allow_sudo=not is_yes(env.get("CM_TMP_SKIP_SUDO")))
    except sys_packages.SysPackageError as e:
        if not is_yes(env.get("CM_GENERIC_SYS_UTIL_FAIL_SAFE")):
            raise
        print(f"get-generic-sys-util: {e}\n(continuing: --fail_safe)", file=sys.stderr)
        env["CM_GENERIC_SYS_UTIL_INSTALL_FAILED"] = "yes"
        return
    if report.unavailable and not is_yes(env.get("CM_GENERIC_SYS_UTIL_IGNORE_MISSING")):
        raise PlatformError(f"{name} has no package for {info.package_manager} on {info.flavor}; "
                            "pass --ignore_missing to continue without it")
    pkg = (report.installed + report.present + [""])[0]
    env["CM_SYS_UTIL_PACKAGE"] = pkg
    env["CM_GENERIC_SYS_UTIL_INSTALLED"] = "yes" if pkg else "no"
