"""Delivery insights over HTTP: a project's timeline (``timeline``), ``/metrics``, the
DORA and release-aware measures (``routes``), incidents (``incidents``)."""
