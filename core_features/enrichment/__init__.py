"""Company enrichment: facts about a company from its own homepage and from enrichment providers, as suggestions."""
