"""Release communication over HTTP: a release's note entries, and notes across a
project's releases."""
