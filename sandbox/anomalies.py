"""The anomalies the seed plants, named after the hub's risk signals (DESIGN §6).

Each is planted in native data only; how it shows in each source:

``FUND_SHORTFALL``
    the custody balance is below the outstanding prepaid amount
    (jinming ``jgzh.ye < jgzh.dxje``; songdu ``balance < outstandingPrepay``).
``FIRE_NON_COMPLIANT``
    a premises is not filed (``ysbazt`` ``3``), failed (``4``), past ``yxqz``,
    has an open hazard (``xf_yh.zgzt`` ``0``) or is sealed (``xf_cf.jfrq`` empty).
``UNCHECKED_OR_FLAGGED_STAFF``
    a staff member was never submitted to the police check (no row), is pending
    (``hczt`` ``2``) or has a record (``wfjl`` rows).
``REGISTRATION_INACTIVE``
    licensed, but the business registration is revoked or cancelled (``djzt`` ``2``/``3``).
``LICENSE_INACTIVE``
    the school licence is suspended, revoked or expired (``xkzzt`` ``2``/``3``/``4``).
``SCOPE_MISMATCH``
    the business scope does not cover training (``pxbz`` ``0``), or a subject
    institution (``jglb`` ``1``) holds a for-profit registration (``yllx`` ``1``).
``COMPLAINT_SURGE``
    at least ``COMPLAINT_SURGE_MIN`` refund complaints in the last
    ``COMPLAINT_SURGE_DAYS`` days before ``REFERENCE_DATE``.
``UNQUALIFIED_TEACHER``
    a subject course (``kc.sfxk`` ``1``) is taught by a staff member whose
    ``jszgzh`` is empty.
``OPEN_RECTIFICATION``
    a rectification notice is still open (``zgzt`` ``0``) after its deadline ``zgqx``.
``BLACKLISTED``
    a blacklist entry (``hmd``) that holds (``ycrq`` empty or after the reference
    date) — every institution whose licence was revoked has one — or a person on
    the roster barred from the industry (``cyjz``, ``jzqx`` empty or after it).
``AD_VIOLATION``
    an advertising violation (``ggwf``) opened within ``AD_VIOLATION_DAYS`` days
    before the reference date.

``FIRE_NON_COMPLIANT`` may sit on a second campus only, and ``SCOPE_MISMATCH`` may
also be a course filed under a domain (``kc.pxly``) the institution is not
approved for (``jg_pxly``), which its business scope does not cover either.

The custody ledger's three (``LEDGER_ANOMALIES``; ``FUND_ACCOUNT_FROZEN``:
``jgzh.zhzt`` ``1`` / ``acctStatus`` ``F``; ``PREPAID_CAP_EXCEEDED``: an order of more
than 60 lessons, or more than its course's prepaid terms; ``NO_CUSTODY_ACCOUNT``: no
account at either bank for an institution selling prepaid courses) are planted by
``sandbox.generate.finance`` from a generator of its own (``ledger_rng``), never drawn
for by the plan: neither the plan's generator nor ``later_rng`` moves for them.
"""

from __future__ import annotations

from enum import StrEnum


class Anomaly(StrEnum):
    FUND_SHORTFALL = "FUND_SHORTFALL"
    FIRE_NON_COMPLIANT = "FIRE_NON_COMPLIANT"
    UNCHECKED_OR_FLAGGED_STAFF = "UNCHECKED_OR_FLAGGED_STAFF"
    REGISTRATION_INACTIVE = "REGISTRATION_INACTIVE"
    LICENSE_INACTIVE = "LICENSE_INACTIVE"
    SCOPE_MISMATCH = "SCOPE_MISMATCH"
    COMPLAINT_SURGE = "COMPLAINT_SURGE"
    UNQUALIFIED_TEACHER = "UNQUALIFIED_TEACHER"
    OPEN_RECTIFICATION = "OPEN_RECTIFICATION"
    BLACKLISTED = "BLACKLISTED"
    AD_VIOLATION = "AD_VIOLATION"
    FUND_ACCOUNT_FROZEN = "FUND_ACCOUNT_FROZEN"
    PREPAID_CAP_EXCEEDED = "PREPAID_CAP_EXCEEDED"
    NO_CUSTODY_ACCOUNT = "NO_CUSTODY_ACCOUNT"


ANOMALY_RATES: dict[Anomaly, float] = {
    Anomaly.FUND_SHORTFALL: 0.06,
    Anomaly.FIRE_NON_COMPLIANT: 0.07,
    Anomaly.UNCHECKED_OR_FLAGGED_STAFF: 0.07,
    Anomaly.REGISTRATION_INACTIVE: 0.03,
    Anomaly.LICENSE_INACTIVE: 0.05,
    Anomaly.SCOPE_MISMATCH: 0.04,
    Anomaly.COMPLAINT_SURGE: 0.04,
    Anomaly.UNQUALIFIED_TEACHER: 0.04,
    Anomaly.OPEN_RECTIFICATION: 0.05,
    Anomaly.BLACKLISTED: 0.02,
    Anomaly.AD_VIOLATION: 0.03,
}
"""Share of institutions that get each anomaly (independently): about 60% of
institutions come out clean. The first institutions of every seed get one
anomaly each as well, so even a tiny seed shows every kind."""

LATER_ANOMALIES = (Anomaly.BLACKLISTED, Anomaly.AD_VIOLATION)
"""Anomalies added after the first nine: drawn from a generator of their own, so the
data the first nine were planted in stays what it was for every seed."""

LEDGER_ANOMALIES = (
    Anomaly.FUND_ACCOUNT_FROZEN,
    Anomaly.PREPAID_CAP_EXCEEDED,
    Anomaly.NO_CUSTODY_ACCOUNT,
)
"""Planted by the custody ledger's own generator (``sandbox.generate.finance``), at its
own rates: not in ``ANOMALY_RATES``, and the plan draws nothing for them."""

UNLICENSED_RATE = 0.04
"""Unlicensed operators, as a share of the institutions seeded (on top of them)."""
