"""The console's pages of people: single sign-on."""
