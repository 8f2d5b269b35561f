"""Parley: an evidence-linked record of a war's diplomacy, from raw news reports."""

__version__ = "0.1.0"
