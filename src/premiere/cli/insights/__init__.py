"""Delivery insights in the terminal: ``premiere timeline``, ``premiere insights``,
``premiere incidents``."""
