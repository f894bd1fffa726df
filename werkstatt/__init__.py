"""Werkstatt: live Ideen-Werkstätten and a shared Methoden-Werkzeugkasten for inner-city networks."""

__version__ = "0.1.0"
