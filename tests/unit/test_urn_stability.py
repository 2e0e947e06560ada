"""Existing stacks update in place: every resource the program registered before the
`Messaging` component (tests/unit/urn_fixtures, recorded from that program) is registered
again under the same URN, or by a resource whose aliases lead the engine to that URN, with
the same type and the same replace-forcing inputs (docs/topology-switch.md).

Pulumi's mock monitor builds a URN from the parent's last type only, while the engine uses
the whole parent chain, and mocks never apply aliases. So URNs are rebuilt here the way the
engine builds them, and aliases are followed the way the engine follows them: a resource
answers to its own URN, to each alias it registers, and to its own type and name under each
URN its parent answers to (aliases are inherited by children).
"""

import json
from pathlib import Path

import pytest
from pulumi_harness import PROJECT, STACK, Deployment, deployed

FIXTURES = Path(__file__).parent / "urn_fixtures"
SCENARIOS = [
    (file.stem, scenario)
    for file in sorted(FIXTURES.glob("*.json"))
    for scenario in sorted(json.loads(file.read_text()))
]


def engine_urn(qualified_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified_type}::{name}"


def recorded_engine_urns(records: list[dict]) -> dict[str, dict]:
    """Engine URN -> the recorded resource (its parent chain is followed through the recorded parent URNs)."""
    by_urn = {r["urn"]: r for r in records}

    def qualified(record: dict) -> str:
        parent = by_urn.get(record["parent"])  # the stack itself is not recorded: a root resource
        return record["type"] if parent is None else f"{qualified(parent)}${record['type']}"

    return {engine_urn(qualified(r), r["name"]): r for r in records}


def answered_urns(deployment: Deployment) -> dict[str, list]:
    """Engine URN -> the resources that answer to it, through their own URN or an alias."""
    by_urn = {r.urn: r for r in deployment.registrations}
    memo: dict[str, set[tuple[str, str]]] = {}

    def answers(registration) -> set[tuple[str, str]]:
        if registration.urn in memo:
            return memo[registration.urn]
        parent = by_urn.get(registration.parent)
        parents = [None] if parent is None else sorted(answers(parent))
        typ, name = registration.typ, registration.name

        def under(parent_key, child_type):
            return child_type if parent_key is None else f"{parent_key[0]}${child_type}"

        keys = {(under(p, typ), name) for p in parents}
        for alias in registration.aliases:
            if "urn" in alias:
                _, _, qualified_type, alias_name = alias["urn"].split("::")
                keys.add((qualified_type, alias_name))
                continue
            alias_type, alias_name = alias["type"] or typ, alias["name"] or name
            if alias["noParent"]:
                keys.add((alias_type, alias_name))
            elif alias["parentUrn"]:
                keys.add((under(answers(by_urn[alias["parentUrn"]]).pop(), alias_type), alias_name))
            else:
                keys |= {(under(p, alias_type), alias_name) for p in parents}
        memo[registration.urn] = keys
        return keys

    claims: dict[str, list] = {}
    for registration in deployment.registrations:
        for qualified_type, name in answers(registration):
            claims.setdefault(engine_urn(qualified_type, name), []).append(registration)
    return claims


@pytest.fixture(params=SCENARIOS, ids=[f"{file}-{scenario}" for file, scenario in SCENARIOS])
def before_and_after(request):
    file, scenario = request.param
    recorded = json.loads((FIXTURES / f"{file}.json").read_text())[scenario]
    return recorded, deployed(recorded["config"])


def test_the_fixtures_cover_every_topology_a_switch_and_every_queue_kind():
    files = {file for file, _ in SCENARIOS}
    assert files == {"point-to-point", "fanout", "eventbridge", "switch"}
    names = {
        r["name"]
        for file in FIXTURES.glob("*.json")
        for scenario in json.loads(file.read_text()).values()
        for r in scenario["resources"]
        if r["type"] == "aws:sqs/queue:Queue"
    }
    assert {"inventory-queue", "inventory-dlq", "analytics-dlq", "eventbridge-delivery-dlq"} <= names


def test_every_resource_of_an_existing_stack_is_registered_again_under_its_urn_or_an_alias(before_and_after):
    recorded, after = before_and_after
    claims = answered_urns(after)
    missing = [urn for urn in recorded_engine_urns(recorded["resources"]) if urn not in claims]
    assert missing == [], f"{len(missing)} resources would be deleted and created again: {missing[:5]}"


def test_each_old_urn_is_claimed_by_exactly_one_resource_of_the_same_type(before_and_after):
    recorded, after = before_and_after
    claims = answered_urns(after)
    for urn, old in recorded_engine_urns(recorded["resources"]).items():
        (new,) = claims[urn]
        assert new.typ == old["type"], urn


def test_no_queue_or_other_resource_changes_an_input_that_forces_a_replacement(before_and_after):
    recorded, after = before_and_after
    claims = answered_urns(after)
    for urn, old in recorded_engine_urns(recorded["resources"]).items():
        (new,) = claims[urn]
        forcing = {key: new.inputs[key] for key in old["replaceInputs"] if key in new.inputs}
        assert forcing == old["replaceInputs"], urn
        added = {"name", "namePrefix", "fifoQueue", "fifoTopic"} & set(new.inputs) - set(old["replaceInputs"])
        assert not added, f"{urn} now sets {added}"


def test_the_components_children_carry_an_alias_to_the_stack_root_they_were_created_under():
    d = deployed(json.loads((FIXTURES / "fanout.json").read_text())["defaults"]["config"])
    (messaging,) = d.of_type("messaging:index:Messaging")
    children = [r for r in d.registrations if r.parent == messaging.urn]
    assert {r.name for r in children} >= {"inventory", "analytics", "producer", "alarms", "fanout"}
    for child in children:
        assert child.aliases == [
            {"name": "", "type": "", "stack": "", "project": "", "parentUrn": "", "noParent": True}
        ], child.name
