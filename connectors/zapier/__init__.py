"""The Zapier CLI app of the hub, generated from the catalog (`hub zapier export`); docs/zapier-make.md."""
