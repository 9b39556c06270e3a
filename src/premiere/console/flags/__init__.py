"""The flags section of the console: the list, creating a flag, a flag's page and its edits."""
