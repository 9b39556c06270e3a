"""Console pages of flags: the flag list, creating a flag, a flag's page and its edits,
its rules (the rule editor), segments."""
