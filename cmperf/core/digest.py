"""SHA-256 hex digests without loading OpenSSL.

`import hashlib` loads OpenSSL's libcrypto (~3 ms of CPU, a tenth of a warm `cm run script`
that only computes a cache key); the interpreter's own sha256 module gives the same digests.
hashlib remains the fallback for a Python built without it.
"""
try:
    from _sha256 import sha256          # CPython <= 3.11
except ImportError:                     # pragma: no cover - depends on the interpreter
    try:
        from _sha2 import sha256        # CPython >= 3.12
    except ImportError:
        from hashlib import sha256


def sha256_hex(data):
    """The SHA-256 hex digest of `data` (bytes, or text encoded as UTF-8)."""
    return sha256(data.encode() if isinstance(data, str) else data).hexdigest()
