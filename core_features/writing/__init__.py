"""The email writing assistant: drafts grounded in the CRM, checked against it, never sent on their own."""
