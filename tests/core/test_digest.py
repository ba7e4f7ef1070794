import hashlib

from cmperf.core.digest import sha256_hex


def test_sha256_hex_is_hashlibs_digest_for_text_and_bytes():
    for data in ("", "cache key", "ünïcode ✓", b"\x00\xffbytes"):
        raw = data.encode() if isinstance(data, str) else data
        assert sha256_hex(data) == hashlib.sha256(raw).hexdigest()
