"""OAuth 2 connections: providers, the encrypted token store, and the one refresher every connector uses."""

from oauth._providers import Client, Provider, Registry
from oauth._refresh import Refresher
from oauth._tokens import TokenStore
from oauth.errors import ConnectionUnavailable, NotConfigured, OAuthError, ProviderFailed, StateRefused
from oauth.service import OAuth

__all__ = ["Client", "ConnectionUnavailable", "NotConfigured", "OAuth", "OAuthError", "Provider",
           "ProviderFailed", "Refresher", "Registry", "StateRefused", "TokenStore"]
