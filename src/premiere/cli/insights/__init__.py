"""The `premiere insights` and `premiere incidents` commands."""
