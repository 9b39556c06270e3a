"""Delivery insights over HTTP: DORA and release-aware measures, incidents."""
