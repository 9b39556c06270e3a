"""Release communication: outgoing webhooks delivered from a durable outbox."""
