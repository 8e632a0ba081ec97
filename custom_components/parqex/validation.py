"""The schema library Home Assistant validates with, under one name: `vol`.

From 2026.9 Home Assistant validates with probatio and puts it in place of
voluptuous when it starts, so `import voluptuous` gives probatio at run time.
The type checker cannot know that: it reads probatio's types where Home
Assistant runs on probatio (its releases for Python 3.14.2 and newer, see
requirements_test.txt), and voluptuous's where it does not.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING and sys.version_info >= (3, 14):
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["vol"]
