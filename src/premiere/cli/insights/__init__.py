"""Delivery insights in the terminal: ``premiere timeline``."""
