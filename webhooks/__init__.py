"""The signed, durable webhook delivery engine."""
