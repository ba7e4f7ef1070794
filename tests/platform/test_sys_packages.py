import pytest

from cmperf.platform import os_info, sys_packages


@pytest.fixture
def debian(fake_bin, tmp_path):
    """A fake dpkg/apt world: dpkg-query answers from a file, apt-get 'installs' into it."""
    db = tmp_path / "installed"
    db.write_text("git\n")
    log = tmp_path / "apt-log"
    fake_bin("dpkg-query", f'pkg="$3"; grep -qx "$pkg" "{db}" && printf "install ok installed" && exit 0; exit 1\n')
    fake_bin("apt-get", f'echo "$@" >> "{log}"; [ "$1" = install ] && shift 2 && for p in "$@"; do echo "$p" >> "{db}"; done; exit 0\n')
    info = os_info.detect_linux('ID=debian\nVERSION_ID="12"\n', which=lambda b: b == "apt-get", environ={})
    return info, db, log


def test_present_packages_are_only_verified(debian):
    info, _, log = debian
    report = sys_packages.ensure_packages(["git"], info, quiet=True, euid=1000)
    assert report.present == ["git"] and report.installed == [] and not log.exists()


def test_root_installs_the_missing_ones(debian):
    info, db, log = debian
    report = sys_packages.ensure_packages(["git", "xz", "numactl"], info, quiet=True, euid=0)
    assert report.installed == ["xz-utils", "numactl"]
    assert "update -y" in log.read_text() and "install -y xz-utils numactl" in log.read_text()
    assert "xz-utils" in db.read_text()


def test_quiet_without_root_or_passwordless_sudo_stops_with_the_command(debian, fake_bin):
    info, _, log = debian
    fake_bin("sudo", 'exit 1\n')  # sudo -n true fails: a password would be needed
    with pytest.raises(sys_packages.SudoRequiredError) as e:
        sys_packages.ensure_packages(["git", "numactl", "dmidecode"], info, quiet=True, euid=1000)
    assert e.value.missing == ["numactl", "dmidecode"]
    assert "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y numactl dmidecode" in str(e.value)
    assert "--skip_sys_utils" in str(e.value) and not log.exists()


def test_non_interactive_never_prompts_even_without_quiet(debian, fake_bin):
    info, _, _ = debian
    fake_bin("sudo", 'exit 1\n')
    with pytest.raises(sys_packages.SudoRequiredError):
        sys_packages.ensure_packages(["numactl"], info, quiet=False, euid=1000, interactive=False)


def test_passwordless_sudo_is_used(debian, fake_bin, tmp_path):
    info, db, _ = debian
    sudo_log = tmp_path / "sudo-log"
    fake_bin("sudo", f'echo "$@" >> "{sudo_log}"; [ "$1" = -n ] && shift; env "$@"\n')
    report = sys_packages.ensure_packages(["numactl"], info, quiet=True, euid=1000)
    assert report.installed == ["numactl"] and "numactl" in db.read_text()


def test_failed_install_reports_the_command_and_output(debian, fake_bin):
    info, _, _ = debian
    fake_bin("apt-get", 'echo "E: Unable to locate package $3"; [ "$1" = update ] && exit 0; exit 100\n')
    with pytest.raises(sys_packages.SysPackageError, match="Unable to locate package") as e:
        sys_packages.ensure_packages(["numactl"], info, euid=0)
    assert "apt-get install -y numactl" in str(e.value)


def test_names_per_manager_and_unavailable_packages():
    assert sys_packages.os_package_name("libssl-dev", "dnf") == "openssl-devel"
    assert sys_packages.os_package_name("numactl", "brew") is None
    mac = os_info.OsInfo("darwin", "macos", "macos", "14.4", "23.4.0", "", "64", "arm64", "brew",
                         "brew install", "brew update", False, True)
    assert sys_packages.install_command(["wget"], mac, sudo=True) == "brew install wget"


def test_windows_is_refused_clearly():
    import platform
    win = os_info.detect_windows(platform.uname_result("Windows", "pc", "10", "10.0", "AMD64"))
    with pytest.raises(os_info.UnsupportedOSError, match="windows"):
        sys_packages.ensure_packages(["git"], win)
