"""Release communication: release notes as entries of a release, rendered safely and
published when the release reaches its announcement point; outgoing webhooks and
email delivered from a durable outbox; the releases calendar, the changelog and its
feeds."""
