"""The hub as an OAuth 2 provider, so public Zapier and Make apps can connect with OAuth: authorization
code with PKCE, rotating refresh tokens, revocation and a consent page, on authlib's grants.

See docs/oauth-provider.md.
"""
