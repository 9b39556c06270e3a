"""People over HTTP: the caller's own account, signing in from the CLI, people and
their roles, invitations, service accounts."""
