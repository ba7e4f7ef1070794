"""Small end-user applications built from the scripts' outputs (upstream's app-* demos)."""
