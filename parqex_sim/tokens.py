"""Authorization codes and tokens: single-use codes, expiring and rotating tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import secrets
from typing import Any

from .account import User


@dataclass
class AuthorizationCode:
    """A code handed to the redirect URI after ALLOW."""

    client_id: str
    redirect_uri: str
    user: User
    expires: datetime


@dataclass
class Grant:
    """What one app may do for one user: an access token and its refresh token."""

    client_id: str
    user: User
    access_token: str
    access_expires: datetime
    refresh_token: str


class Tokens:
    """Issues, checks, rotates and revokes codes and tokens."""

    def __init__(self, access_lifetime: float, code_lifetime: float) -> None:
        """Set how long access tokens and codes live (seconds)."""
        self.access_lifetime = timedelta(seconds=access_lifetime)
        self.code_lifetime = timedelta(seconds=code_lifetime)
        self._codes: dict[str, AuthorizationCode] = {}
        self._by_access: dict[str, Grant] = {}
        self._by_refresh: dict[str, Grant] = {}

    def issue_code(
        self, client_id: str, redirect_uri: str, user: User, now: datetime
    ) -> str:
        """Return a new single-use code (32 hex characters, as ParqEx's example)."""
        code = secrets.token_hex(16)
        self._codes[code] = AuthorizationCode(
            client_id, redirect_uri, user, now + self.code_lifetime
        )
        return code

    def redeem_code(
        self, code: str, client_id: str, redirect_uri: str | None, now: datetime
    ) -> User | None:
        """Use up a code; None when unknown, used, expired or another app's."""
        found = self._codes.pop(code, None)
        if (
            found is None
            or found.expires < now
            or found.client_id != client_id
            or (redirect_uri is not None and redirect_uri != found.redirect_uri)
        ):
            return None
        return found.user

    def issue(self, client_id: str, user: User, now: datetime) -> Grant:
        """Start a grant with a fresh token pair."""
        grant = Grant(client_id, user, "", now, "")
        self._rotate(grant, now)
        return grant

    def refresh(
        self, refresh_token: str, client_id: str, now: datetime
    ) -> Grant | None:
        """Rotate a grant: the old refresh and access tokens stop working at once."""
        grant = self._by_refresh.get(refresh_token)
        if grant is None or grant.client_id != client_id:
            return None
        self._rotate(grant, now)
        return grant

    def _rotate(self, grant: Grant, now: datetime) -> None:
        self._by_access.pop(grant.access_token, None)
        self._by_refresh.pop(grant.refresh_token, None)
        grant.access_token = secrets.token_urlsafe(24)
        grant.refresh_token = secrets.token_urlsafe(24)
        grant.access_expires = now + self.access_lifetime
        self._by_access[grant.access_token] = grant
        self._by_refresh[grant.refresh_token] = grant

    def user_for(self, access_token: str, now: datetime) -> User | None:
        """Return the user of a valid, unexpired access token."""
        grant = self._by_access.get(access_token)
        if grant is None or grant.access_expires < now:
            return None
        return grant.user

    def dump(self) -> list[dict[str, Any]]:
        """Return the live grants, to keep across a restart (codes are not kept)."""
        return [
            {
                "client_id": grant.client_id,
                "user": grant.user.email,
                "access_token": grant.access_token,
                "access_expires": grant.access_expires.isoformat(),
                "refresh_token": grant.refresh_token,
            }
            for grant in self._by_refresh.values()
        ]

    def restore(
        self, grants: list[dict[str, Any]], user_by_email: Callable[[str], User | None]
    ) -> None:
        """Put back grants that `dump` returned (of users that still exist)."""
        for raw in grants:
            user = user_by_email(raw["user"])
            if user is None:
                continue
            grant = Grant(
                raw["client_id"],
                user,
                raw["access_token"],
                datetime.fromisoformat(raw["access_expires"]),
                raw["refresh_token"],
            )
            self._by_access[grant.access_token] = grant
            self._by_refresh[grant.refresh_token] = grant

    def expire(self, now: datetime) -> int:
        """End every access token now (refresh tokens still work); return how many."""
        for grant in self._by_access.values():
            grant.access_expires = min(grant.access_expires, now)
        return len(self._by_access)

    def revoke(self, user: User | None = None) -> int:
        """Revoke every grant (of one user, or all); return how many."""
        grants = {
            id(grant): grant
            for grant in self._by_access.values()
            if user is None or grant.user is user
        }
        for grant in grants.values():
            self._by_access.pop(grant.access_token, None)
            self._by_refresh.pop(grant.refresh_token, None)
        return len(grants)
