"""Prepaid-fee supervision per district (``custodyOverview``; the supervision rate 监管率
for statistics): every number an aggregate computed at its source — the education
platform counts the institutions selling prepaid courses, each bank adds up its own
accounts — so a region of 100,000 institutions costs a few grouped queries, not
100,000 records.

The banks know an institution only by its credit code, whose characters 3-8 are the
region of the authority that registered it (GB 32100); they group by that, and the
education platform by the region it records. The two agree for institutions that
have not moved district since registering.
"""

from __future__ import annotations

import asyncio

from xietong.adapters.catalog import AdapterCatalog
from xietong.domain.records import CustodyDistrict, CustodyTotals


async def custody_by_district(
    adapters: AdapterCatalog, region_prefix: str
) -> list[CustodyDistrict]:
    """The districts within ``region_prefix`` (``""``: the nation), sorted by code.

    >>> districts = await custody_by_district(hub.adapters, "4102")
    >>> [(d.region, d.supervision_rate) for d in districts]   # doctest: +SKIP
    """
    prepaid, banked = await asyncio.gather(
        adapters.education.prepaid_institutions(region_prefix),
        adapters.finance.district_totals(region_prefix),
    )
    return [
        CustodyDistrict(district, prepaid.get(district, 0), banked.get(district, CustodyTotals()))
        for district in sorted(set(prepaid) | set(banked))
    ]


def overall(region: str, districts: list[CustodyDistrict]) -> CustodyDistrict:
    """The districts added up, as one for ``region``."""
    totals = CustodyTotals()
    for district in districts:
        totals += district.totals
    return CustodyDistrict(region, sum(d.prepaid_institutions for d in districts), totals)
