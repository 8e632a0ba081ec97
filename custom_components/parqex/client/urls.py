"""Where ParqEx lives; a development setting can point it all at a simulator."""

from __future__ import annotations

from dataclasses import dataclass
import os
from typing import Final

# Development only: the base URL of a ParqEx simulator (see the README).
DEVELOPMENT_BASE_URL_ENV: Final = "PARQEX_DEVELOPMENT_BASE_URL"

API_ROOT: Final = "https://api.parqex.com"
WEB_ROOT: Final = "https://parqex.com"
AUTHORIZE_PATH: Final = "/oauth/v2/endpoints/authorization/"
TOKEN_PATH: Final = "/oauth/v2/endpoints/token/"  # noqa: S105


@dataclass(frozen=True, slots=True)
class ParqExUrls:
    """The roots of ParqEx's OAuth and API endpoints."""

    api_root: str
    web_root: str

    @property
    def authorize(self) -> str:
        """The authorize page."""
        return f"{self.api_root}{AUTHORIZE_PATH}"

    @property
    def token(self) -> str:
        """The token endpoint."""
        return f"{self.api_root}{TOKEN_PATH}"


def development_base_url() -> str | None:
    """Return the simulator's base URL when the development setting is in use."""
    value = os.environ.get(DEVELOPMENT_BASE_URL_ENV, "").strip().rstrip("/")
    return value or None


def parqex_urls() -> ParqExUrls:
    """ParqEx's real URLs, or all of them at the development base URL."""
    base = development_base_url()
    if base is None:
        return ParqExUrls(API_ROOT, WEB_ROOT)
    return ParqExUrls(base, base)
