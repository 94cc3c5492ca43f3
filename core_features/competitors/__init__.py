"""Competitor tracking: competitors, the deals they are in, win/loss by competitor (`module.py` declares it)."""
