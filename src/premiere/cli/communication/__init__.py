"""Release communication's commands: outgoing webhooks."""
