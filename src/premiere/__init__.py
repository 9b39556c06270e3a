"""Premiere: a release control plane.

Deploying and releasing are two different acts. Premiere knows both halves: which
version runs where, which feature is on for whom, and what users were told.
"""

from __future__ import annotations

__version__ = "0.1.0"
