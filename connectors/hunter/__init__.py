"""Hunter.io's domain search as an enrichment provider."""
