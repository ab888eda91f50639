"""Harm Outside the Home triage assistant: domain knowledge and services."""

__version__ = "0.1.0"
