"""Every routing operator of the spec, end to end, under fanout (SNS filter
policies on the body) and eventbridge (event patterns), with the boundaries
where implementations usually slip: >= vs > at the exact value, a number sent
as a string, case in suffix vs equals-ignore-case, exists on a missing key,
on null and on "", `$or` across envelope fields, `cidr` on a non-address.

Expectations are written by hand per message, not derived from the program.
"""

from __future__ import annotations

import pytest
from e2e_support import assert_accounted, normalized, order

CONSUMERS = [
    {"name": "by-prefix", "match": {"type": [{"prefix": "OrderC"}]}},
    {"name": "by-suffix", "match": {"data": {"sku": [{"suffix": "-XL"}]}}},
    {"name": "not-closed", "match": {"type": [{"anything-but": ["OrderCancelled", "OrderDelivered"]}]}},
    {"name": "not-test-source", "match": {"source": [{"anything-but": {"prefix": "com.example.test"}}]}},
    {"name": "at-least-1000", "match": {"data": {"total": [{"numeric": [">=", 1000]}]}}},
    {"name": "over-1000", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}},
    {"name": "mid-range", "match": {"data": {"total": [{"numeric": [">", 100, "<=", 500]}]}}},
    {"name": "exactly-250", "match": {"data": {"total": [250]}}},
    {"name": "with-coupon", "match": {"data": {"coupon": [{"exists": True}]}}},
    {"name": "without-coupon", "match": {"data": {"coupon": [{"exists": False}]}}},
    {"name": "vip", "match": {"data": {"tier": [{"equals-ignore-case": "VIP"}]}}},
    {
        "name": "cancelled-or-big",
        "match": {"$or": [{"type": ["OrderCancelled"]}, {"data": {"total": [{"numeric": [">=", 1000]}]}}]},
    },
    {"name": "office-network", "match": {"data": {"clientIp": [{"cidr": "10.0.0.0/24"}]}}},
]

MESSAGES = [
    order("m1", "OrderCreated", total=1000, sku="shirt-XL", coupon="SAVE10", tier="vip"),
    order("m2", "OrderShipped", total=1000.01, sku="shirt-xl", tier="Vip"),
    order("m3", "OrderCancelled", total=999.99, sku="XL", tier="gold", coupon=""),
    order("m4", "OrderDelivered", total=500, sku="hat-M", tier="VIP"),
    order("m5", "OrderCreated", total=100, tier="V.I.P."),
    order("m6", "OrderShipped", source="com.example.test", total=250, sku="sock-XL"),
    order("m7", "OrderDelivered", total="1200", sku=42, tier=7),
    order("m8", "OrderCancelled", source="com.example.testing", total=300.5),
    order("m9", "OrderCreated", total=5, coupon=None, clientIp="10.0.0.42"),
    order("m10", "OrderCreated", total=5, clientIp=["192.168.0.1", "10.0.0.255"]),
    order("m11", "OrderCreated", total=5, clientIp="10.0.1.0"),
]

# consumer -> the message ids it must process (all messages are valid orders).
EXPECTED = {
    "by-prefix": ["m1", "m10", "m11", "m3", "m5", "m8", "m9"],  # OrderCreated, OrderCancelled
    "by-suffix": ["m1", "m6"],  # case-sensitive; "XL" alone lacks the dash; 42 is not a string
    "not-closed": ["m1", "m10", "m11", "m2", "m5", "m6", "m9"],
    "not-test-source": ["m1", "m10", "m11", "m2", "m3", "m4", "m5", "m7", "m9"],  # prefix also excludes ...testing
    "at-least-1000": ["m1", "m2"],  # 1000 itself included; "1200" is a string, not a number
    "over-1000": ["m2"],  # 1000 itself excluded
    "mid-range": ["m4", "m6", "m8"],  # 100 excluded (>), 500 included (<=), 250, 300.5
    "exactly-250": ["m6"],  # a number literal; not "1200", not 250's neighbours
    "with-coupon": ["m1", "m3", "m9"],  # "" and null are present values under both topologies
    "without-coupon": ["m10", "m11", "m2", "m4", "m5", "m6", "m7", "m8"],
    "vip": ["m1", "m2", "m4"],  # not "V.I.P.", not the number 7
    "cancelled-or-big": ["m1", "m2", "m3", "m8"],  # OrderCancelled, or a total of at least 1000
    "office-network": ["m10", "m9"],  # any element of a list; not 10.0.1.0
}


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_each_operator_routes_as_documented(emulate, topology):
    report = emulate(CONSUMERS, topology, MESSAGES)

    got = {name: sorted(entry["processed"]) for name, entry in report["consumers"].items()}
    assert got == EXPECTED
    assert all(entry["dead_lettered"] == [] for entry in report["consumers"].values())
    assert report["unrouted"] == []
    assert_accounted(report, MESSAGES)


def test_operators_route_identically_under_fanout_and_eventbridge(emulate):
    assert normalized(emulate(CONSUMERS, "fanout", MESSAGES)) == normalized(emulate(CONSUMERS, "eventbridge", MESSAGES))
