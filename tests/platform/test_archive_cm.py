"""The issue's archives through the real `cm` command and a local HTTP server."""
import os

from test_archive_policy import make_tar, make_zip
from test_scripts_cm import cm  # noqa: F401


def test_cm_download_and_extract_refuses_the_link_chain_zip_and_the_hardlink_tar(cm, http_server, tmp_path):
    """a -> ., b -> a/a/../.., then b/<absolute-looking path>: was written outside the target."""
    victim = tmp_path / "victim.txt"
    escape = os.path.relpath(victim, "/")
    make_zip(tmp_path / "chain.zip", [("a", "sym", "."), ("b", "sym", "a/a/../.."), ("b/" + escape, "file", b"pwned")])
    make_tar(tmp_path / "hard.tar", [("h", "hard", str(victim)), ("h", "file", b"pwned")])
    downloaded = []
    for name in ("chain.zip", "hard.tar"):
        http_server.files["/" + name] = (tmp_path / name).read_bytes()
        rc, _, text = cm(f"--tags=download-and-extract,_extract,_url.{http_server.url}/{name}", "--quiet")
        assert rc != 0 and "nothing was extracted" in text, text
        assert not victim.exists()
        downloaded.append(name)
        assert sorted(os.listdir(cm.work)) == downloaded  # the downloads stay; no target, staging dir or lock
