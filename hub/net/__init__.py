"""Reaching outside services: the SSRF guard for addresses users supply, and the HTTP clients modules use."""
