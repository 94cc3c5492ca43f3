"""What a request's action and a job share: the process's settings, services and HTTP clients, through its hub."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from hub.settings import ModuleSettings, Settings

if TYPE_CHECKING:
    import httpx

    from hub.runtime import Hub

__all__ = ["Reach"]

S = TypeVar("S", bound=ModuleSettings)
T = TypeVar("T")


class Reach:
    """A context's way to the process: `runtime` is its hub."""

    __slots__ = ()

    @property
    def runtime(self) -> Hub:
        raise NotImplementedError

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def config(self, kind: type[S]) -> S:
        """The settings of the module that declared `kind`."""
        return self.runtime.settings.of(kind)

    def service(self, kind: type[T]) -> T:
        """The process's one `kind`, made by its module's `build`."""
        return self.runtime.service(kind)

    @property
    def http(self) -> httpx.AsyncClient:
        """For the services the operator configured (their base URLs come from settings)."""
        return self.runtime.http

    @property
    def user_http(self) -> httpx.AsyncClient:
        """For URLs a user supplied: every address it dials passes the SSRF guard."""
        return self.runtime.user_http
