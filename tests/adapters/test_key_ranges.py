"""``native.key_ranges``: sorted keys as ``BETWEEN`` ranges a source reads instead of
``IN`` lists."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xietong.adapters.native import key_ranges

KEYS = st.lists(st.text(alphabet="0129AB", min_size=1, max_size=5), unique=True).map(sorted)


@given(keys=KEYS, size=st.integers(1, 6), cluster=st.integers(0, 3))
def test_every_key_is_in_one_range_of_at_most_size_keys_within_one_cluster(
    keys: list[str], size: int, cluster: int
) -> None:
    ranges = key_ranges(keys, size, cluster=cluster)
    held = [[key for key in keys if low <= key <= high] for low, high in ranges]
    assert [key for keys_of in held for key in keys_of] == keys  # each once, in order
    assert all(0 < len(keys_of) <= size for keys_of in held)
    assert all(len({key[:cluster] for key in keys_of}) == 1 for keys_of in held)
    assert all(
        low == keys_of[0] and high == keys_of[-1]
        for (low, high), keys_of in zip(ranges, held, strict=True)
    )


def test_a_cluster_change_starts_a_range() -> None:
    codes = ["52410202A", "52410202B", "52410203A", "92410202A"]
    assert key_ranges(codes, 10, cluster=8) == [
        ("52410202A", "52410202B"),
        ("52410203A", "52410203A"),
        ("92410202A", "92410202A"),
    ]
    assert key_ranges([], 10) == []
