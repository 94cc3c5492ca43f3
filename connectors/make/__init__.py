"""The Make custom app of the hub, generated from the catalog (`hub make export`); see docs/zapier-make.md."""
