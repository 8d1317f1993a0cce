"""``custodyOverview``: per district, what the education platform and the banks add up,
checked against the native rows themselves."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from tests.funds.support import native
from tests.support.harness import HubHarness, SandboxWorld

OVERVIEW = """
query Overview($region: RegionCode) {
  custodyOverview(region: $region) {
    region
    total { institutionsWithPrepaidCourses withCustodyAccount supervisionRate frozenAccounts
            received released refunded outstanding }
    districts { region institutionsWithPrepaidCourses withCustodyAccount supervisionRate
                frozenAccounts received released refunded outstanding }
  }
}
"""


async def test_the_overview_adds_up_what_the_sources_hold_district_by_district(
    sqlite_harness: HubHarness, world: SandboxWorld
) -> None:
    body = (await sqlite_harness.graphql("demo-finance", OVERVIEW)).json()
    assert "errors" not in body, body
    overview = body["data"]["custodyOverview"]
    with native(world.data_dir) as banks:
        prepaid = Counter(
            region
            for (region,) in banks.rows(
                "SELECT xzqh FROM edu.jg_jbxx j WHERE xzqh LIKE '4102%' AND EXISTS"
                " (SELECT 1 FROM edu.kc WHERE kc.tyshxydm = j.tyshxydm AND kc.yszdys > 0)"
            )
        )
        accounts = banks.rows(
            "SELECT substr(tyshxydm, 3, 6), zhzt, ljsk, ljhb, ljtk, dxje FROM jm.jgzh"
            " UNION ALL SELECT substr(ORG_USCC, 3, 6), CASE ACCT_STAT WHEN 'F' THEN '1'"
            " ELSE '0' END, TOT_COLL_AMT, TOT_RLS_AMT, TOT_RFD_AMT, UNRLS_AMT FROM sd.CUST_ACCT"
        )
    accounts = [row for row in accounts if row[0].startswith("4102")]
    districts = {d["region"]: d for d in overview["districts"]}
    assert overview["region"] == "410200"
    assert set(districts) == set(prepaid) | {row[0] for row in accounts}
    for region, district in districts.items():
        mine = [row for row in accounts if row[0] == region]
        assert district["institutionsWithPrepaidCourses"] == prepaid[region]
        assert district["withCustodyAccount"] == len(mine)
        assert district["frozenAccounts"] == sum(row[1] == "1" for row in mine)
        for field, column in (
            ("received", 2),
            ("released", 3),
            ("refunded", 4),
            ("outstanding", 5),
        ):
            assert Decimal(district[field]) == Decimal(sum(row[column] for row in mine)) / 100
    total = overview["total"]
    assert total["withCustodyAccount"] == len(accounts)
    assert total["institutionsWithPrepaidCourses"] == sum(prepaid.values())
    assert 0 < total["supervisionRate"] < 1  # some institutions keep no custody account


async def test_a_district_officer_sees_its_district_and_no_other(
    sqlite_harness: HubHarness,
) -> None:
    own = (await sqlite_harness.graphql("demo-education-district", OVERVIEW)).json()
    assert [d["region"] for d in own["data"]["custodyOverview"]["districts"]] == ["410202"]
    other = (
        await sqlite_harness.graphql("demo-education-district", OVERVIEW, {"region": "410203"})
    ).json()
    assert other["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    refused = (await sqlite_harness.graphql("demo-market", OVERVIEW)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
