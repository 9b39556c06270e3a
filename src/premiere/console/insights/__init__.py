"""Delivery insights in the console: the project's timeline (``timeline``)."""
