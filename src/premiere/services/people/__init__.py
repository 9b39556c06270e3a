"""People: who uses Premiere's console, and their sessions."""
