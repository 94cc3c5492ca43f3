"""Organizations, their users (sales reps) and API keys."""
