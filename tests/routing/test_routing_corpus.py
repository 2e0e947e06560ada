"""The routing corpus: documented and recorded AWS answers, replayed against the emulator's matcher (both
services) and, for SNS, against moto's own matcher, whose known deviations are listed in the corpus.

Data files in this folder; each group names its source (an AWS documentation page, the event-ruler
README or source, or a LocalStack/moto issue or AWS-validated test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.sns.exceptions import SNSInvalidParameter
from moto.sns.utils import FilterPolicyMatcher

from components import routing
from emulator.matching import EVENTS, SNS, matches

HERE = Path(__file__).parent


def _load(name: str) -> list[dict]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))["groups"]


def _cases(groups: list[dict], pattern_key: str) -> list:
    cases = []
    for number, group in enumerate(groups):
        for expected, key in ((True, "match"), (False, "no_match")):
            for index, document in enumerate(group[key]):
                cases.append(pytest.param(group, group[pattern_key], document, expected, id=f"{number}-{key}-{index}"))
    return cases


EVENTBRIDGE = _load("eventbridge_cases.json")
SNS_GROUPS = _load("sns_cases.json")
SPEC_GROUPS = _load("spec_cases.json")
REFUSED = _load("refused_cases.json")


def test_every_group_names_its_source_and_the_corpus_has_hundreds_of_cases():
    groups = EVENTBRIDGE + SNS_GROUPS + SPEC_GROUPS + REFUSED
    assert all(group["source"].strip() for group in groups)
    total = sum(len(g.get("match", [])) + len(g.get("no_match", [])) for g in EVENTBRIDGE + SNS_GROUPS)
    total += sum(len(g["deliver"]) + len(g["skip"]) for g in SPEC_GROUPS)
    assert total >= 300


@pytest.mark.parametrize(("group", "pattern", "event", "expected"), _cases(EVENTBRIDGE, "pattern"))
def test_eventbridge_pattern_matches_as_aws_answers(group, pattern, event, expected):
    assert matches(pattern, event, EVENTS) is expected


@pytest.mark.parametrize(("group", "policy", "body", "expected"), _cases(SNS_GROUPS, "policy"))
def test_sns_filter_policy_matches_as_aws_answers(group, policy, body, expected):
    assert matches(policy, body, SNS) is expected


def _moto_answer(policy: dict, body) -> bool | str:
    try:
        return FilterPolicyMatcher(policy, "MessageBody").matches(None, json.dumps(body))
    except (SNSInvalidParameter, AttributeError, TypeError) as exc:  # moto fails the whole publish on these
        return f"raises {type(exc).__name__}"


@pytest.mark.parametrize(("group", "policy", "body", "expected"), _cases(SNS_GROUPS, "policy"))
def test_moto_sns_matcher_agrees_except_on_the_listed_deviations(group, policy, body, expected):
    deviates = body in group.get("moto_deviates", [])
    assert (_moto_answer(policy, body) == expected) is not deviates


def envelope(case: dict) -> dict:
    return {
        "id": "e-1",
        "type": case.get("type", "OrderCreated"),
        "source": case.get("source", "com.example.orders"),
        "time": "2026-01-01T00:00:00Z",
        "data": case.get("data", {}),
    }


def event_of(env: dict) -> dict:
    """The event a rule sees: PutEvents with Source, DetailType and the envelope as Detail."""
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


def _spec_cases() -> list:
    cases = []
    for number, group in enumerate(SPEC_GROUPS):
        for expected, key in ((True, "deliver"), (False, "skip")):
            for index, case in enumerate(group[key]):
                cases.append(pytest.param(group["match"], case, expected, id=f"{number}-{key}-{index}"))
    return cases


@pytest.mark.parametrize(("match", "case", "expected"), _spec_cases())
def test_a_spec_routes_the_same_envelopes_under_fanout_and_eventbridge(match, case, expected):
    assert routing.validate_match(match, "match") == []
    env = envelope(case)
    fanout = matches(routing.filter_policy(match), env, SNS)
    eventbridge = matches(routing.event_pattern(match), event_of(env), EVENTS)
    assert (fanout, eventbridge) == (expected, expected)


@pytest.mark.parametrize("group", REFUSED, ids=[f"refused-{i}" for i in range(len(REFUSED))])
def test_a_spec_aws_refuses_at_deploy_time_is_refused_before_anything_is_created(group):
    assert routing.validate_match(group["match"], "match") != []
