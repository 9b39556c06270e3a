"""Delivery insights: what happened in a project, read from the audit log and the
deployment ledger (``timeline``: one timeline of every change, newest first); the DORA
measures (``dora``), the release-aware measures (``releases``), incidents."""
