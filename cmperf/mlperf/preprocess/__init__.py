"""Dataset preprocessing into the harness's in-memory format (inputs.npy + labels.npy)."""
