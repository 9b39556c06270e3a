"""Release communication over HTTP: a release's note entries, notes across a project's
releases, and the releases calendar."""
