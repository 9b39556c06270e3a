"""Release communication's routes: outgoing webhooks and their deliveries."""
