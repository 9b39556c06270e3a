"""Release communication: the releases calendar, the changelog and its feeds."""
