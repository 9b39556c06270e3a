"""Delivery insights: DORA measures, release-aware measures, incidents."""
