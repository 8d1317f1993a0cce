"""The custody supervision rate's facts: which institutions taking prepaid fees hold a
custody account (资金监管账户).

The finance adapter answers it by asking the banks about those institutions (SQL
banks first, each bank only about the codes the others did not hold). The banks' own
per-district aggregate (``xietong.planner.custody.custody_by_district``, behind
``custodyOverview``) cannot answer instead: it counts every account by the district
in its credit code, while statistics count institutions selling prepaid courses, by
the education bureau's district and by domain or category as well. When risk is
counted too, the banks are not asked twice: NO_CUSTODY_ACCOUNT already names the
prepaid institutions at no bank (``statistics.count``).
"""

from __future__ import annotations

from collections.abc import Collection

from xietong.adapters.catalog import AdapterCatalog


async def supervised_among(adapters: AdapterCatalog, prepaid: Collection[str]) -> frozenset[str]:
    """Those of ``prepaid`` (institutions offering a course paid in advance) that hold
    a custody account at a supervising bank."""
    return frozenset(await adapters.finance.with_account(sorted(prepaid)))
