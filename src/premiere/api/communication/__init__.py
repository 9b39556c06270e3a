"""Release communication over HTTP: a release's note entries, notes across a project's
releases, outgoing webhooks and their deliveries, email subscribers, and the releases
calendar."""
