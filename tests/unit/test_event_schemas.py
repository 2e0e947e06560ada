"""messaging:schemas: the registry and one schema per type with the file's content, the discoverer on the bus,
the documents the producer checks against, and every bad file or key refused before any resource."""

import json
from pathlib import Path

import pytest
from pulumi_harness import stack_config

from components import defaults, lambda_env
from components.config import ConfigError

ORDER_SCHEMA_FILE = "tests/unit/schemas/order-created.json"
ORDER_SCHEMA = json.loads(Path(ORDER_SCHEMA_FILE).read_text())


def producer_env(d):
    return d.named("producer-function").inputs["environment"]["variables"]


def test_each_type_is_registered_as_a_draft4_json_schema_in_the_stacks_registry(deploy):
    d = deploy("fanout", schemas={"types": {"OrderCreated": ORDER_SCHEMA_FILE}})
    (registry,) = d.of_type("aws:schemas/registry:Registry")
    (schema,) = d.of_type("aws:schemas/schema:Schema")
    assert schema.inputs["name"] == "OrderCreated"
    assert schema.inputs["registryName"] == registry.outputs["name"]
    assert schema.inputs["type"] == "JSONSchemaDraft4"
    assert json.loads(schema.inputs["content"]) == {"$schema": defaults.SCHEMA_DIALECT, **ORDER_SCHEMA}
    assert registry.inputs["tags"]["stack"] == "dev" and schema.inputs["tags"]["topology"] == "fanout"


def test_the_producer_gets_the_same_documents_it_checks_envelopes_against(deploy):
    d = deploy("eventbridge", schemas={"types": {"OrderCreated": ORDER_SCHEMA_FILE}})
    assert json.loads(producer_env(d)[lambda_env.SCHEMAS]) == {
        "OrderCreated": {"$schema": defaults.SCHEMA_DIALECT, **ORDER_SCHEMA}
    }


def test_without_schemas_there_is_no_registry_and_no_variable(deploy):
    d = deploy("fanout")
    assert d.of_type("aws:schemas/registry:Registry") == []
    assert lambda_env.SCHEMAS not in producer_env(d)


def test_discovery_puts_a_discoverer_on_the_bus_the_producer_publishes_to(deploy):
    d = deploy("eventbridge", schemas={"discovery": True})
    (discoverer,) = d.of_type("aws:schemas/discoverer:Discoverer")
    assert discoverer.inputs["sourceArn"] == d.output("eventbridge-bus", "arn")
    assert discoverer.parent == d.named("eventbridge").urn
    assert d.of_type("aws:schemas/registry:Registry") == []  # discovery alone writes to AWS's discovered-schemas


def test_discovery_follows_the_new_bus_during_a_switch_not_the_draining_one(deploy):
    d = deploy("fanout", previousTopology="eventbridge", schemas={"discovery": False})
    assert d.of_type("aws:schemas/discoverer:Discoverer") == []


@pytest.mark.parametrize(
    ("schemas", "message"),
    [
        (
            {"types": {"OrderCreated": "tests/unit/schemas/missing.json"}},
            'messaging:schemas.types.OrderCreated: "tests/unit/schemas/missing.json" cannot be read (No such file or '
            "directory); give an existing JSON file",
        ),
        (
            {"types": {"OrderCreated": "README.md"}},
            'messaging:schemas.types.OrderCreated: "README.md" is not JSON',
        ),
        (
            {"types": {"OrderCreated": "tests/unit/schemas/not-a-schema.json"}},
            'messaging:schemas.types.OrderCreated: "tests/unit/schemas/not-a-schema.json" is not a valid JSON Schema: '
            "at properties/total/type: 'decimal' is not valid under any of the given schemas (rule: anyOf)",
        ),
        (
            {"types": {"OrderCreated": "tests/unit/schemas/draft-2020.json"}},
            'declares $schema "https://json-schema.org/draft/2020-12/schema"; EventBridge\'s registry takes JSON '
            "Schema draft 4 only",
        ),
        (
            {"discovery": True},
            "messaging:schemas.discovery: true under fanout, which has no event bus to discover from; use topology "
            "eventbridge",
        ),
        ({"discovery": "yes"}, 'messaging:schemas.discovery: "yes" is not allowed; use true or false'),
        ({"types": ["OrderCreated"]}, 'messaging:schemas.types: ["OrderCreated"] is not allowed; map each event type'),
        ({"registry": "x"}, "messaging:schemas.registry: unknown key; known keys are discovery, types"),
        ({"types": {"Order Created": ORDER_SCHEMA_FILE}}, "messaging:schemas.types.Order Created: the type name"),
    ],
    ids=[
        "missing file",
        "not JSON",
        "not a JSON Schema",
        "another dialect",
        "discovery without a bus",
        "discovery not a boolean",
        "types not an object",
        "unknown key",
        "type name with a space",
    ],
)
def test_bad_schemas_are_refused_before_any_resource(attempt, schemas, message):
    error, deployment = attempt(stack_config("fanout", schemas=schemas))
    assert isinstance(error, ConfigError) and message in str(error), error
    assert deployment.resources == []


def test_schemas_over_the_producers_environment_budget_are_refused(attempt, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"type": "object", "description": "x" * defaults.SCHEMA_ENV_MAX_BYTES}))
    error, deployment = attempt(stack_config("fanout", schemas={"types": {"OrderCreated": str(big)}}))
    assert isinstance(error, ConfigError)
    assert "over the 3072-byte budget of the producer's environment" in str(error)
    assert deployment.resources == []
