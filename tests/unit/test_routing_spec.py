"""The routing spec: one `match`, validated as both services count, translated to SNS filter policies and
EventBridge patterns, and matched the same way under both."""

import json

import pytest

from components import defaults, routing
from emulator.matching import EVENTS, SNS, matches


def envelope(type_="OrderCreated", source="com.example.orders", **data):
    return {"id": "e-1", "type": type_, "source": source, "time": "2026-01-01T00:00:00Z", "data": data}


def event_of(env):
    """The event EventBridge matches: the producer puts Source, DetailType and the envelope as Detail."""
    return {
        "version": "0",
        "id": "ev-1",
        "detail-type": env["type"],
        "source": env["source"],
        "account": "123456789012",
        "time": env["time"],
        "region": "eu-west-1",
        "resources": [],
        "detail": env,
    }


def routed(match, env):
    """(under fanout, under eventbridge): whether the consumer with this `match` receives the envelope."""
    return (
        matches(routing.filter_policy(match), env, SNS),
        matches(routing.event_pattern(match), event_of(env), EVENTS),
    )


# --- translation -------------------------------------------------------------


def test_filter_policy_is_the_spec_itself_evaluated_on_the_envelope():
    match = {"type": ["OrderShipped"], "data": {"priority": ["HIGH"], "total": [{"numeric": [">=", 10]}]}}
    assert routing.filter_policy(match) == match


def test_filter_policy_is_a_copy_so_the_config_cannot_be_mutated_through_it():
    match = {"type": ["OrderCreated"]}
    routing.filter_policy(match)["type"].append("X")
    assert match == {"type": ["OrderCreated"]}


def test_event_pattern_maps_type_to_detail_type_source_to_source_and_data_under_detail():
    match = {
        "type": ["OrderCreated", {"prefix": "Order"}],
        "source": ["com.example.orders"],
        "data": {"customer": {"tier": [{"anything-but": ["free"]}]}},
    }
    assert routing.event_pattern(match) == {
        "detail-type": ["OrderCreated", {"prefix": "Order"}],
        "source": ["com.example.orders"],
        "detail": {"data": {"customer": {"tier": [{"anything-but": ["free"]}]}}},
    }


def test_consumer_without_match_gets_a_pattern_that_selects_every_envelope_from_the_producer():
    assert routing.event_pattern(None) == {"detail": {"id": [{"exists": True}]}}


def test_translations_are_plain_json():
    match = {"type": ["A"], "data": {"n": [{"numeric": [">", 1]}]}}
    assert json.loads(json.dumps(routing.event_pattern(match))) == routing.event_pattern(match)


# --- added operators: `$or` and `cidr` (validation, both translations, matching under both) -------------


TOP_OR = {"$or": [{"type": ["OrderCancelled"]}, {"data": {"total": [{"numeric": [">=", 1000]}]}}]}
DATA_OR = {"type": ["OrderCreated"], "data": {"$or": [{"tier": ["gold"]}, {"total": [{"numeric": [">", 500]}]}]}}
CIDR = {"data": {"clientIp": [{"cidr": "10.0.0.0/24"}]}}


def test_top_level_or_is_accepted_and_kept_for_sns():
    assert routing.validate_match(TOP_OR, "m") == []
    assert routing.filter_policy(TOP_OR) == TOP_OR


def test_top_level_or_translates_each_branch_to_the_event_fields():
    assert routing.event_pattern(TOP_OR) == {
        "$or": [{"detail-type": ["OrderCancelled"]}, {"detail": {"data": {"total": [{"numeric": [">=", 1000]}]}}}]
    }


def test_or_inside_data_is_accepted_and_carried_under_detail():
    assert routing.validate_match(DATA_OR, "m") == []
    assert routing.filter_policy(DATA_OR) == DATA_OR
    assert routing.event_pattern(DATA_OR) == {
        "detail-type": ["OrderCreated"],
        "detail": {"data": {"$or": [{"tier": ["gold"]}, {"total": [{"numeric": [">", 500]}]}]}},
    }


@pytest.mark.parametrize(
    ("match", "env", "expected"),
    [
        (TOP_OR, envelope("OrderCancelled", total=5), True),
        (TOP_OR, envelope("OrderCreated", total=1000), True),
        (TOP_OR, envelope("OrderCreated", total=999), False),
        (DATA_OR, envelope("OrderCreated", tier="gold", total=1), True),
        (DATA_OR, envelope("OrderCreated", tier="free", total=501), True),
        (DATA_OR, envelope("OrderCreated", tier="free", total=500), False),
        (DATA_OR, envelope("OrderShipped", tier="gold"), False),
        (CIDR, envelope(clientIp="10.0.0.255"), True),
        (CIDR, envelope(clientIp="10.0.1.0"), False),
        (CIDR, envelope(clientIp="not-an-ip"), False),
        (CIDR, envelope(clientIp=167772161), False),  # the number for 10.0.0.1 is not an address string
        (CIDR, envelope(), False),
    ],
)
def test_added_operators_route_the_same_under_fanout_and_eventbridge(match, env, expected):
    assert routed(match, env) == (expected, expected)


def test_cidr_is_accepted_and_passed_through_to_both_services():
    assert routing.validate_match(CIDR, "m") == []
    assert routing.filter_policy(CIDR) == CIDR
    assert routing.event_pattern(CIDR) == {"detail": {"data": {"clientIp": [{"cidr": "10.0.0.0/24"}]}}}


# --- what is accepted -----------------------------------------------------------


@pytest.mark.parametrize(
    "alternative",
    [
        "OrderCreated",
        42,
        1.5,
        True,
        {"prefix": "Order"},
        {"suffix": "ed"},
        {"equals-ignore-case": "ordercreated"},
        {"equals-ignore-case": "ÄRGER"},
        {"anything-but": "OrderCreated"},
        {"anything-but": ["a", "b"]},
        {"anything-but": [1, 2]},
        {"anything-but": 0},
        {"anything-but": {"prefix": "Test"}},
        {"numeric": ["=", 5]},
        {"numeric": [">", 0, "<=", 100]},
        {"numeric": [">=", -1e9]},
        {"exists": True},
        {"exists": False},
        {"cidr": "192.168.0.0/16"},
        {"cidr": "10.0.0.7/32"},
    ],
)
def test_every_operator_both_services_support_is_accepted_on_a_data_field(alternative):
    assert routing.validate_match({"data": {"field": [alternative]}}, "m") == []


# --- what is refused, and why -----------------------------------------------------


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ({"tipe": ["x"]}, 'm.tipe: unknown match key "tipe"; allowed keys are type, source, data, $or'),
        ({}, "m: {} is not allowed; leave `match` out to receive every message"),
        ({"type": "OrderCreated"}, 'm.type: "OrderCreated" is not allowed; give a non-empty list of alternatives'),
        ({"type": []}, "m.type: [] is not allowed; give a non-empty list"),
        ({"data": ["x"]}, 'm.data: ["x"] is not allowed; `data` is a non-empty object'),
        (
            {"type": [None]},
            "m.type[0]: null is not allowed; an alternative is a string, number, boolean or one operator object",
        ),
        (
            {"type": [{"wildcard": "Order*"}]},
            'm.type[0].wildcard: unknown operator "wildcard"; allowed operators are prefix, suffix, anything-but, '
            "numeric, exists, equals-ignore-case, cidr (`wildcard` is EventBridge-only: SNS filter policies do not "
            "support it)",
        ),
        (
            {"type": [{"prefix": "a", "suffix": "b"}]},
            'm.type[0]: {"prefix": "a", "suffix": "b"} is not allowed; an operator object has exactly one key',
        ),
        ({"type": [{"prefix": ""}]}, 'm.type[0].prefix: "" is not allowed; `prefix` takes a non-empty string'),
        ({"type": [{"suffix": ""}]}, 'm.type[0].suffix: "" is not allowed; `suffix` takes a non-empty string'),
        ({"type": [{"prefix": {"equals-ignore-case": "order"}}]}, "`prefix` takes a non-empty string"),
        ({"type": [{"equals-ignore-case": ""}]}, '`equals-ignore-case` takes a non-empty string (match "" with'),
        ({"type": [{"equals-ignore-case": "🎉party"}]}, "outside the Basic Multilingual Plane"),
        ({"type": [{"exists": "yes"}]}, 'm.type[0].exists: "yes" is not allowed; `exists` takes true or false'),
        ({"type": [{"anything-but": ["a", 1]}]}, "mixes strings and numbers"),
        (
            {"type": [{"anything-but": {"suffix": "x"}}]},
            "(`suffix` inside `anything-but` is EventBridge-only: SNS refuses it)",
        ),
        (
            {"type": [{"anything-but": {"equals-ignore-case": "x"}}]},
            "(`equals-ignore-case` inside `anything-but` is EventBridge-only: SNS refuses it)",
        ),
        (
            {"type": [{"anything-but": {"prefix": ["a", "b"]}}]},
            "(a list of prefixes is EventBridge-only: SNS takes one string)",
        ),
        ({"type": [{"anything-but": {"prefix": ""}}]}, "`anything-but` takes a string, a number"),
        ({"data": {"total": [{"numeric": [">", "1000"]}]}}, 'm.data.total[0].numeric[1]: "1000" is not a number'),
        (
            {"data": {"total": [{"numeric": ["~", 5]}]}},
            'm.data.total[0].numeric: operator "~" in ["~", 5] is not allowed',
        ),
        (
            {"data": {"total": [{"numeric": [">", 5, ">", 9]}]}},
            'm.data.total[0].numeric: [">", 5, ">", 9] is not a range',
        ),
        (
            {"data": {"total": [{"numeric": [">", 9, "<", 5]}]}},
            "is an empty range; the lower bound must be below the upper bound",
        ),
        ({"data": {"total": [{"numeric": [">", 5, "<=", 5]}]}}, '[">", 5, "<=", 5] is an empty range'),
        (
            {"data": {"total": [{"numeric": [">=", 5, "<=", 5]}]}},
            'm.data.total[0].numeric: [">=", 5, "<=", 5] holds only 5, but both services require the lower bound '
            'below the upper bound; write ["=", 5]',
        ),
        (
            {"data": {"total": [{"numeric": [">"]}]}},
            'm.data.total[0].numeric: [">"] is not allowed; `numeric` takes [op, number]',
        ),
        ({"data": {"ip": [{"cidr": "10.0.0.1/24"}]}}, "with no host bits set"),
        ({"data": {"ip": [{"cidr": "10.0.0.0"}]}}, "`cidr` takes an IPv4 network in CIDR notation"),
        ({"data": {"ip": [{"cidr": "10.0.0.0/33"}]}}, "with no host bits set"),
        ({"data": {"ip": [{"cidr": "2001:db8::/32"}]}}, "SNS documents IPv4 networks only"),
        ({"data": {"$and": [1]}}, 'm.data.$and: field name "$and" is not allowed'),
        ({"data": {"a.b": ["x"]}}, 'm.data.a.b: field name "a.b" is not allowed; a dot in a key is read by both'),
        ({"data": {"$or": [{"a": ["x"]}]}}, 'm.data.$or: [{"a": ["x"]}] is not allowed; `$or` takes a list of at'),
        ({"$or": {"type": ["x"]}}, "`$or` takes a list of at least 2 objects"),
        ({"$or": [{"type": ["x"]}, {}]}, "m.$or[1]: {} is not allowed; each `$or` branch is a non-empty object"),
        ({"$or": [{"type": ["x"]}, {"colour": ["red"]}]}, 'm.$or[1].colour: unknown match key "colour"'),
        (
            {"data": {"$or": [{"prefix": ["x"]}, {"b": ["y"]}]}},
            "m.data.$or[0].prefix: an operator name is not allowed as a field name in a `$or` branch",
        ),
        (
            {"data": {"a": {"b": {"c": {"d": {"e": {"f": ["x"]}}}}}}},
            "m.data.a.b.c.d.e: nested 6 levels deep; at most 5 levels",
        ),
        (
            {"data": {"total": [{"numeric": [">", 2e9]}]}},
            "is out of range; numbers must lie within -1,000,000,000 .. 1,000,000,000",
        ),
        ({"data": {"total": [0.123456]}}, "0.123456 has more than 5 decimal places"),
    ],
)
def test_invalid_match_is_refused_naming_the_key_the_value_and_what_is_allowed(match, expected):
    errors = routing.validate_match(match, "m")
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ({"type": [{"numeric": [">", 0]}]}, 'm.type[0].numeric: [">", 0] compares numbers; `type` is always a present'),
        ({"source": [{"numeric": ["=", 1]}]}, 'm.source[0].numeric: ["=", 1] compares numbers; `source` is always'),
        ({"type": [{"exists": False}]}, "m.type[0].exists: false is not allowed; `type` is always a present string"),
        ({"source": [{"exists": False}]}, "m.source[0].exists: false is not allowed; `source` is always a present"),
        ({"type": [42]}, "m.type[0]: 42 is not a string; `type` is always a present string"),
        ({"type": [True]}, "m.type[0]: true is not a string; `type` is always a present string"),
        ({"type": [{"anything-but": [1, 2]}]}, "m.type[0].anything-but: [1, 2] lists numbers; `type` is always a"),
        ({"source": ["aws.orders"]}, 'm.source[0]: "aws.orders" never matches; the producer never sends a source'),
        ({"source": [{"prefix": "aws.ec"}]}, 'm.source[0].prefix: "aws.ec" never matches'),
        (
            {"$or": [{"type": ["A"]}, {"type": [{"exists": False}]}]},
            "m.$or[1].type[0].exists: false is not allowed; `type` is always a present string",
        ),
    ],
)
def test_a_spec_that_can_never_match_the_always_present_string_fields_is_refused(match, expected):
    errors = routing.validate_match(match, "m")
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    "match",
    [
        {"type": [{"exists": True}]},
        {"source": [{"anything-but": ["com.example.test"]}]},
        {"source": [{"prefix": "aws"}]},  # "awsome.shop" is a valid source
        {"data": {"total": [{"exists": False}], "n": [{"numeric": [">", 1]}]}},
    ],
)
def test_the_same_operators_are_accepted_where_the_field_can_hold_them(match):
    assert routing.validate_match(match, "m") == []


# --- limits at their boundary: the value that passes and the next one that fails ------------------


def values(n, stem="v"):
    return [f"{stem}{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("passes", "fails", "combinations"),
    [
        # top-level lists count their length (depth 1); they multiply
        ({"type": values(150)}, {"type": values(151)}, (150, 151)),
        ({"type": values(10), "source": values(15)}, {"type": values(10), "source": values(16)}, (150, 160)),
        # a `data` field is at depth 2: each value counts twice
        ({"type": values(5), "data": {"t": values(15)}}, {"type": values(5), "data": {"t": values(16)}}, (150, 160)),
        # the case the old count accepted and SNS refuses: 13 x 12 = 156 by product, 13 x 24 = 312 as SNS counts
        ({"type": values(6), "data": {"a": values(12)}}, {"type": values(7), "data": {"a": values(12)}}, (144, 168)),
        # depth 3 counts three times
        ({"data": {"a": {"b": values(50)}}}, {"data": {"a": {"b": values(51)}}}, (150, 153)),
        # seven one-value data fields: 2**7; an eighth doubles it
        ({"data": {f"k{i}": ["x"] for i in range(7)}}, {"data": {f"k{i}": ["x"] for i in range(8)}}, (128, 256)),
        # `$or` branches add up
        (
            {"$or": [{"type": values(75)}, {"source": values(75)}]},
            {"$or": [{"type": values(75)}, {"source": values(76)}]},
            (150, 151),
        ),
    ],
)
def test_value_combinations_are_counted_as_sns_counts_them_at_the_boundary(passes, fails, combinations):
    assert routing.filter_policy_combinations(routing.filter_policy(passes)) == combinations[0]
    assert routing.filter_policy_combinations(routing.filter_policy(fails)) == combinations[1]
    assert routing.validate_match(passes, "m") == []
    assert f"m: {combinations[1]} value combinations; at most 150 are allowed" in routing.validate_match(fails, "m")[0]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # SNS "Filter policy constraints": 3 x 1 x 2 = 6
        ({"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"], "key_c": ["v1", "v2"]}, 6),
        # the nested example: four values in a three-level key, three in a two-level key: 3 x 4 x 2 x 3 = 72
        ({"key_a": {"key_b": {"key_c": values(4)}}, "key_d": {"key_e": values(3)}}, 72),
        # refused by SNS as too complex (LocalStack's AWS-validated test_sub_filter_policy_nested_property_constraints)
        ({"key_a": {"key_b": {"key_c": values(4)}}, "key_d": {"key_e": values(3)}, "key_f": values(3)}, 216),
        # refused by SNS (LocalStack's AWS-validated test_policy_complexity_with_or): (3*4*2)+(3*4*6)+(2*4*2)+(2*4*6)
        (
            {
                "$or": [{"metricName": values(3)}, {"namespace": values(2)}],
                "detail": {"scope": values(2), "$or": [{"source": values(1)}, {"type": values(3)}]},
            },
            160,
        ),
        # accepted by SNS (same test): (3*6) + (3*4*4) + (3*4*7) = 150
        (
            {
                "source": values(3),
                "$or": [
                    {"metricName": values(6)},
                    {"metricType": values(4), "$or": [{"i": values(4)}, {"s": values(7)}]},
                ],
            },
            150,
        ),
    ],
)
def test_combination_count_reproduces_the_documented_and_recorded_sns_answers(policy, expected):
    assert routing.filter_policy_combinations(policy) == expected


def test_sns_key_limit_counts_top_level_keys_at_the_boundary():
    five = {f"k{i}": ["x"] for i in range(5)}
    six = {f"k{i}": ["x"] for i in range(6)}
    assert routing.filter_policy_keys(five) == 5
    assert routing.filter_policy_keys(six) == 6 > defaults.FILTER_POLICY_MAX_KEYS
    # nested keys do not count: a spec has at most type, source, data and $or at the top
    nested = {"data": {f"k{i}": ["x"] for i in range(7)}}
    assert routing.filter_policy_keys(routing.filter_policy(nested)) == 1
    assert routing.validate_match(nested, "m") == []


def test_event_pattern_size_is_limited_to_eventbridges_default_quota_at_the_boundary():
    # '{"detail-type": ["' + n characters + '"]}' is 21 + n characters
    passes, fails = {"type": ["x" * 2027]}, {"type": ["x" * 2028]}
    assert len(json.dumps(routing.event_pattern(passes))) == 2048
    assert routing.validate_match(passes, "m") == []
    assert routing.validate_match(fails, "m") == [
        "m: the event pattern would be 2049 characters; at most 2048 are allowed (EventBridge's default event "
        "pattern size quota)"
    ]


def test_event_pattern_size_counts_what_the_component_sends_non_ascii_escaped():
    # json.dumps escapes "é" as \u00e9 (six characters), as the resource receives it
    assert routing.validate_match({"type": ["é" * 337]}, "m") == []  # 21 + 6 * 337 = 2043
    assert routing.validate_match({"type": ["é" * 338]}, "m")[0].startswith("m: the event pattern would be 2049")


@pytest.mark.parametrize(
    ("passes", "fails", "expected"),
    [
        (1_000_000_000, 1_000_000_001, "1000000001 is out of range"),
        (-1_000_000_000, -1_000_000_001, "-1000000001 is out of range"),
        (0.12345, 0.123456, "0.123456 has more than 5 decimal places"),
    ],
)
def test_numbers_are_limited_as_sns_limits_them_at_the_boundary(passes, fails, expected):
    assert routing.validate_match({"data": {"n": [{"numeric": ["=", passes]}]}}, "m") == []
    assert routing.validate_match({"data": {"n": [passes]}}, "m") == []
    assert expected in routing.validate_match({"data": {"n": [{"numeric": ["=", fails]}]}}, "m")[0]


def test_nesting_under_data_is_limited_at_the_boundary():
    five = {"data": {"a": {"b": {"c": {"d": {"e": ["x"]}}}}}}
    six = {"data": {"a": {"b": {"c": {"d": {"e": {"f": ["x"]}}}}}}}
    assert routing.validate_match(five, "m") == []
    assert "nested 6 levels deep" in routing.validate_match(six, "m")[0]


def test_or_needs_two_branches_at_the_boundary():
    assert routing.validate_match({"$or": [{"type": ["A"]}, {"type": ["B"]}]}, "m") == []
    assert "`$or` takes a list of at least 2 objects" in routing.validate_match({"$or": [{"type": ["A"]}]}, "m")[0]


# --- exists: one meaning under both services -------------------------------------------------------


def test_exists_true_is_sent_to_sns_with_the_empty_values_its_exists_leaves_out():
    match = {"data": {"coupon": [{"exists": True}], "note": [{"exists": True}, ""]}}
    assert routing.filter_policy(match) == {
        "data": {"coupon": [{"exists": True}, "", None], "note": [{"exists": True}, "", None]}
    }
    assert routing.event_pattern(match) == {"detail": {"data": match["data"]}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("SAVE10", True), ("", True), (None, True), (0, True), (False, True), ([], False), ({}, False)],
)
def test_exists_true_selects_the_same_envelopes_under_fanout_and_eventbridge(value, expected):
    match = {"data": {"coupon": [{"exists": True}]}}
    assert routed(match, envelope(coupon=value)) == (expected, expected)
    assert routed(match, envelope()) == (False, False)


def test_exists_true_counts_three_values_against_the_sns_combination_limit():
    two = {"type": values(4), "data": {"a": [{"exists": True}], "b": [{"exists": True}]}}  # 4 x 6 x 6
    three = {"data": {"a": [{"exists": True}], "b": [{"exists": True}], "c": [{"exists": True}]}}  # 6 x 6 x 6
    assert routing.validate_match(two, "m") == []
    assert routing.validate_match(three, "m") == [
        "m: 216 value combinations; at most 150 are allowed (SNS filter policy limit: each list counts its length "
        "times its key's depth, `type` 1, `data.x` 2, `data.x.y` 3; lists multiply, `$or` branches add, and "
        '{"exists": true} is sent as 3 values: [{"exists": true}, "", null])'
    ]
