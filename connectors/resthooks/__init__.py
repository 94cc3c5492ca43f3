"""REST hooks for Zapier and Make: subscriptions to catalog triggers delivered by the webhook engine, the
trigger lists their editors read (samples, polling), and the input fields and dropdowns of actions.

See docs/rest-hooks.md.
"""
