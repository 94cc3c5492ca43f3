"""The embeddable click-to-call button: its script, the token it carries, and the routes it calls."""

from connectors.twilio.embed._routes import SCRIPT_PATH, embed_router, mint
from connectors.twilio.embed._tokens import BadToken, EmbedClaims, EmbedSigner, embed_signer

__all__ = ["BadToken", "EmbedClaims", "EmbedSigner", "SCRIPT_PATH", "embed_router", "embed_signer", "mint"]
