"""Constants of the ParqEx integration."""

from datetime import timedelta
from typing import Final

DOMAIN: Final = "parqex"

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

# Failed attempts to read the account's time zone before Home Assistant's stands in.
SETTINGS_ATTEMPTS: Final = 3

# After a restart, announce events missed while Home Assistant was down, this far back.
HISTORY_CATCH_UP_DAYS: Final = 7
# ParqEx may record an event after a later one: events dated this much before
# the newest one read are still looked for.
LATE_RECORDING: Final = timedelta(minutes=10)
# A changed access point whose history shows nothing new yet is asked again this often.
HISTORY_ATTEMPTS: Final = 3
# The access history action reads at most this many days at once.
MAX_HISTORY_RANGE_DAYS: Final = 31
DEFAULT_HISTORY_LIMIT: Final = 100
MAX_HISTORY_LIMIT: Final = 1000

# Push (ParqEx webhooks). The webhook id is a secret, stored in the entry's data;
# the API key ParqEx sends with each delivery is the entry's only option.
CONF_WEBHOOK_KEY: Final = "webhook_key"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
# A shorter API key for deliveries is too easy to guess.
MIN_WEBHOOK_KEY_LENGTH: Final = 16
# Delivery ids are remembered this long (ParqEx documents no retry window); a
# delivery repeated later is still known by what it says (its history match).
DELIVERY_MEMORY: Final = timedelta(hours=6)
# A delivery about an access point not known yet asks for one sync; not again
# for the same one within this time (ParqEx may push doors of other users).
UNKNOWN_DOOR_REFRESH_INTERVAL: Final = timedelta(minutes=5)
# Larger bodies are not ParqEx deliveries.
MAX_DELIVERY_BYTES: Final = 64 * 1024

# What a `sync` leaves out is removed (with its devices and entities) only after
# it was missing from every successful `sync` for this long.
MISSING_REMOVAL_DELAY: Final = timedelta(minutes=10)
# A push says more than a `sync` asked for before it arrived; and for this long
# more than a later `sync` that disagrees (ParqEx's `sync` may lag its pushes).
PUSH_PRECEDENCE: Final = timedelta(minutes=2)
# Deliveries dated further ahead than this are refused (a clock that is wrong).
MAX_DELIVERY_AHEAD: Final = timedelta(minutes=5)
# Deliveries kept while the account's time zone is not known yet.
MAX_HELD_DELIVERIES: Final = 100

# People (the entry's options): ParqEx user id -> person entity id; the Home
# Assistant users who may operate access points from the UI (empty: everyone).
CONF_PEOPLE: Final = "people"
CONF_ALLOWED_USERS: Final = "allowed_users"
# A choice in that list: Google Assistant and Alexa through Home Assistant Cloud.
ALLOWED_CLOUD_VOICE: Final = "cloud_voice_assistants"
# A box in the options' first step that opens the people step.
CONF_SET_UP_PEOPLE: Final = "set_up_people"

# In the entry's data: push was on when this account was deleted and added
# again; ParqEx still delivers to the old address until it is sent the new one.
CONF_PUSH_TO_RENEW: Final = "push_to_renew"
# What a deleted account leaves for when it is added again is kept this long.
REMOVED_ACCOUNT_MEMORY: Final = timedelta(days=90)

# Failed attempts move nothing: each controller's history is read this often.
HISTORY_SWEEP_INTERVAL: Final = timedelta(minutes=5)

# Push health: a change polling found that no delivery brought within this
# counts as missed; so many missed in a row, none delivered, raise a repair.
PUSH_GRACE: Final = timedelta(seconds=60)
PUSH_MISSED_FOR_REPAIR: Final = 3
