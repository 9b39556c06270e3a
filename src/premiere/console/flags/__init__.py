"""Console pages of flags: the flag list and a flag's page, its rules, segments."""
