"""The console's pages of people: single sign-on, invitations and joining, people and
their roles, service accounts, and a person's own account."""
