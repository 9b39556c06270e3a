"""People on the command line: signing in, who am I, people, invitations, service accounts."""
