"""Release communication over HTTP: the releases calendar."""
