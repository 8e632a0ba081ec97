"""Typed errors of the ParqEx API client (no Home Assistant imports)."""

from __future__ import annotations


class ParqExError(Exception):
    """Base class of every ParqEx client error."""


class ParqExConnectionError(ParqExError):
    """ParqEx could not be reached, timed out or had a server error."""


class ParqExServerError(ParqExConnectionError):
    """ParqEx was reached and answered with a server error (5xx)."""


class ParqExAuthError(ParqExError):
    """ParqEx refused the credentials, even after a token refresh."""


class ParqExBadRequestError(ParqExError):
    """ParqEx called the request malformed (400)."""


class ParqExControllerNotFoundError(ParqExError):
    """The controller cannot be found: offline or unplugged (404)."""


class ParqExSensorRequiredError(ParqExError):
    """The door needs a paired door sensor first (428)."""


class ParqExNotSupportedError(ParqExError):
    """The controller's hardware does not support the request (501)."""


class ParqExRateLimitedError(ParqExError):
    """ParqEx asked us to slow down (429)."""

    def __init__(self, retry_after: float | None) -> None:
        """Keep the server's Retry-After, in seconds, when it gave one."""
        super().__init__(
            "rate limited"
            if retry_after is None
            else f"rate limited, retry after {retry_after:.0f} s"
        )
        self.retry_after = retry_after


class ParqExUnexpectedResponseError(ParqExError):
    """ParqEx answered in a way the documentation does not describe."""
