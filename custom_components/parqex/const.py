"""Constants of the ParqEx integration."""

from datetime import timedelta
from typing import Final

DOMAIN: Final = "parqex"

OAUTH2_AUTHORIZE: Final = "https://api.parqex.com/oauth/v2/endpoints/authorization/"
OAUTH2_TOKEN: Final = "https://api.parqex.com/oauth/v2/endpoints/token/"  # noqa: S105
# ParqEx reads scopes as a comma-separated list; there is no read scope.
OAUTH2_SCOPES: Final = "opendoor,closedoor"

POLL_INTERVAL: Final = timedelta(seconds=30)
# After a command the door takes a while to move; poll quickly until it has.
FAST_POLL_INTERVAL: Final = timedelta(seconds=5)
FAST_POLL_DURATION: Final = timedelta(minutes=1)
# ParqEx's best practice: one toggle per access point per 20 seconds.
TOGGLE_COOLDOWN: Final = timedelta(seconds=20)
# Used when ParqEx answers 429 without a usable Retry-After.
DEFAULT_RATE_LIMIT_BACKOFF: Final = timedelta(minutes=1)
# Honour ParqEx's Retry-After, but never stop polling for longer than this.
MAX_RATE_LIMIT_BACKOFF: Final = timedelta(hours=1)
