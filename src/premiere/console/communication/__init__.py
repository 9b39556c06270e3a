"""Release communication in the console: the public changelog and its feeds, and the
project's page for their settings."""
