"""Clearbit's Company API as an enrichment provider."""
