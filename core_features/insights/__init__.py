"""AI insights: lead scores, deal win probabilities and next best actions learned per organization (`module.py`)."""
