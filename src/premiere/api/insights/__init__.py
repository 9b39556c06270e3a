"""Delivery insights over HTTP: a project's timeline (``timeline``)."""
