"""Sentiment of emails, call notes and other activities, and its trend over a deal."""
