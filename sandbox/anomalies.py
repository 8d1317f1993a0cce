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

The custody ledger's three (``FUND_ACCOUNT_FROZEN``: ``jgzh.zhzt`` ``1`` /
``acctStatus`` ``F``; ``PREPAID_CAP_EXCEEDED``: an order of more than 60 lessons;
``NO_CUSTODY_ACCOUNT``: no account at either bank) are planted by
``sandbox.generate.finance`` from a generator of its own, not listed here: adding
kinds to ``Anomaly`` would move every later draw of the plan's generator.
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
}
"""Share of institutions that get each anomaly (independently): about 60% of
institutions come out clean. The first institutions of every seed get one
anomaly each as well, so even a tiny seed shows every kind."""

UNLICENSED_RATE = 0.04
"""Unlicensed operators, as a share of the institutions seeded (on top of them)."""
