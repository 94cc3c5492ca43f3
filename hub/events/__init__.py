"""The event outbox: every change writes its event in the same transaction."""
