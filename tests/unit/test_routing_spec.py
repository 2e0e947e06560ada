"""The routing spec: one `match`, translated to SNS filter policies and EventBridge patterns."""

import json

import pytest

from components import routing


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
        {"anything-but": "OrderCreated"},
        {"anything-but": ["a", "b"]},
        {"anything-but": [1, 2]},
        {"anything-but": {"prefix": "Test"}},
        {"numeric": ["=", 5]},
        {"numeric": [">", 0, "<=", 100]},
        {"numeric": [">=", -1e9]},
        {"exists": True},
        {"exists": False},
    ],
)
def test_every_operator_both_services_support_is_accepted(alternative):
    assert routing.validate_match({"data": {"field": [alternative]}}, "m") == []


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ({"tipe": ["x"]}, 'm.tipe: unknown match key "tipe"; allowed keys are type, source, data'),
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
            "numeric, exists, equals-ignore-case",
        ),
        (
            {"type": [{"prefix": "a", "suffix": "b"}]},
            'm.type[0]: {"prefix": "a", "suffix": "b"} is not allowed; an operator object has exactly one key',
        ),
        ({"type": [{"prefix": ""}]}, 'm.type[0].prefix: "" is not allowed; `prefix` takes a non-empty string'),
        ({"type": [{"exists": "yes"}]}, 'm.type[0].exists: "yes" is not allowed; `exists` takes true or false'),
        ({"type": [{"anything-but": ["a", 1]}]}, "mixes strings and numbers"),
        ({"type": [{"anything-but": {"suffix": "x"}}]}, "`anything-but` takes a string, a number"),
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
        (
            {"data": {"total": [{"numeric": [">"]}]}},
            'm.data.total[0].numeric: [">"] is not allowed; `numeric` takes [op, number]',
        ),
        (
            {"data": {"total": [{"numeric": [">", 2e9]}]}},
            "is out of range; numbers must lie within -1,000,000,000 .. 1,000,000,000",
        ),
        ({"data": {"total": [0.123456]}}, "0.123456 has more than 5 decimal places"),
        ({"data": {"$or": [1]}}, 'm.data.$or: field name "$or" is not allowed'),
        (
            {"data": {"a": {"b": {"c": {"d": {"e": {"f": ["x"]}}}}}}},
            "m.data.a.b.c.d.e: nested 6 levels deep; at most 5 levels",
        ),
        (
            {"data": {f"k{i}": ["x"] for i in range(6)}},
            "m: 6 matched fields; at most 5 are allowed (SNS filter policy limit)",
        ),
        (
            {"type": [f"t{i}" for i in range(13)], "data": {"a": [f"a{i}" for i in range(12)]}},
            "m: 156 value combinations; at most 150 are allowed",
        ),
        (
            {"type": ["x" * 5000]},
            "the event pattern would be 5021 characters; at most 4096 are allowed (EventBridge limit)",
        ),
    ],
)
def test_invalid_match_is_refused_naming_the_key_the_value_and_what_is_allowed(match, expected):
    errors = routing.validate_match(match, "m")
    assert any(expected in error for error in errors), errors


def test_translations_are_plain_json():
    match = {"type": ["A"], "data": {"n": [{"numeric": [">", 1]}]}}
    assert json.loads(json.dumps(routing.event_pattern(match))) == routing.event_pattern(match)
