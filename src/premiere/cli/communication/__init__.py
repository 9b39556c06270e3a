"""``premiere notes``: release notes, the entries of a release."""
