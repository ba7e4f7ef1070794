"""A file's digest, read in blocks (models and datasets run to gigabytes): one function for every area."""
import hashlib

BLOCK = 1 << 20


def file_digest(path, algo="sha256"):
    """Hex digest of the file at ``path`` with the hashlib algorithm ``algo``."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file(path):
    return file_digest(path, "sha256")


def md5_file(path):
    return file_digest(path, "md5")
