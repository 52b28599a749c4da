"""Shared fixtures. The `avisim` fixture (an in-process simulator on a free loopback port) lives here."""
