"""The custody supervision rate's facts: which institutions taking prepaid fees hold a
custody account (资金监管账户).

Today the finance adapter answers it by asking the banks about those institutions
(SQL banks first, each bank only about the codes the others did not hold). One
function, so that once the banks report their own per-district aggregate (the
custody ledger) it can answer instead without the statistics changing.
"""

from __future__ import annotations

from collections.abc import Collection

from xietong.adapters.catalog import AdapterCatalog


async def supervised_among(adapters: AdapterCatalog, prepaid: Collection[str]) -> frozenset[str]:
    """Those of ``prepaid`` (institutions offering a course paid in advance) that hold
    a custody account at a supervising bank."""
    return frozenset(await adapters.finance.with_account(sorted(prepaid)))
