"""ParqEx's triggers in the automation editor (Home Assistant 2026.2 and later).

Home Assistant loads this platform early on every release; the triggers
themselves need its `Trigger` class, so they are imported only when asked for
(from 2026.2). Older releases offer the device triggers (device_trigger.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from homeassistant.core import HomeAssistant


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Any]]:
    """Return opened, closed, failed attempt and held open."""
    module = await hass.async_add_import_executor_job(
        import_module, f"{__package__}.access_triggers"
    )
    return dict(module.TRIGGERS)
