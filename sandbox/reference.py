"""Fixed facts the demo data is built around.

The seed never looks at the clock: every "recent", "overdue" and "expired" in the
sandbox is relative to ``REFERENCE_DATE``, so the same seed gives the same data
and the same anomalies on any day. The hub's risk rules and the tests reason
about the demo data as of this date.
"""

from __future__ import annotations

from datetime import date
from typing import Final

REFERENCE_DATE: Final = date(2026, 11, 1)
"""The demo's "today": licences, acceptances and notices are judged against it."""

DEFAULT_SEED: Final = 20261101
"""The seed ``xietong demo`` uses, so every demo shows the same institutions."""

COMPLAINT_SURGE_DAYS: Final = 90
COMPLAINT_SURGE_MIN: Final = 5
"""A surge is at least this many refund complaints dated in the last
``COMPLAINT_SURGE_DAYS`` days up to ``REFERENCE_DATE``; clean institutions are
seeded with at most two complaints in any such window."""

AD_VIOLATION_DAYS: Final = 365
"""An advertising violation opened this many days before ``REFERENCE_DATE`` or later is
recent (the AD_VIOLATION signal); the rest are seeded older than that."""

KAIFENG_DISTRICTS: Final = {
    "410202": "龙亭区",
    "410203": "顺河回族区",
    "410204": "鼓楼区",
    "410205": "禹王台区",
    "410211": "金明区",
    "410212": "祥符区",
    "410221": "杞县",
    "410222": "通许县",
    "410223": "尉氏县",
    "410225": "兰考县",
}
"""Region codes (行政区划代码) of Kaifeng (开封市, ``410200``) used by the seed."""

ZHENGZHOU_DISTRICTS: Final = {
    "410102": "中原区",
    "410103": "二七区",
    "410104": "管城回族区",
    "410105": "金水区",
}
"""A few institutions (about 5%) sit in Zhengzhou (郑州市, ``410100``); all of them
in a Zhengzhou sandbox (``seed_sandbox(city=ZHENGZHOU)``, a second city's hub)."""
KAIFENG: Final = "410200"
ZHENGZHOU: Final = "410100"
CITIES: Final = (KAIFENG, ZHENGZHOU)
"""The cities a sandbox can be seeded for: its departments hold that city's rows."""
