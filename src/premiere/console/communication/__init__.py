"""Release communication's pages: outgoing webhooks, their deliveries, email subscribers."""
