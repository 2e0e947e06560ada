"""DynamoDB: tables (the consumers' idempotency store)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Declared, boolean, gone, keep, num, refuse_keys, same

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def table(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "name",
            "hashKey",
            "rangeKey",
            "attributes",
            "billingMode",
            "ttl",
            "readCapacity",
            "writeCapacity",
            "pointInTimeRecovery",
            "serverSideEncryption",
            "tags",
            "deletionProtectionEnabled",
            "tableClass",
        },
    )
    tname = m.physical_name(typ, name, inputs)
    keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    attrs = [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs.get("attributes") or []]
    kwargs: dict[str, Any] = {"TableName": tname, "KeySchema": keys, "AttributeDefinitions": attrs}
    if (inputs.get("billingMode") or "PROVISIONED") == "PAY_PER_REQUEST":
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    else:
        kwargs["ProvisionedThroughput"] = {
            "ReadCapacityUnits": num(inputs.get("readCapacity", 1)),
            "WriteCapacityUnits": num(inputs.get("writeCapacity", 1)),
        }
    arn = m.c["dynamodb"].create_table(**kwargs)["TableDescription"]["TableArn"]
    ttl = inputs.get("ttl") or {}
    if ttl.get("attributeName") and boolean(ttl.get("enabled", True)):
        m.c["dynamodb"].update_time_to_live(
            TableName=tname, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]}
        )
    return tname, {"arn": arn, "name": tname, "id": tname}


RESOURCES = {
    "aws:dynamodb/table:Table": table,
}


def update_table(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    # Another name or key schema is another table; otherwise its items (idempotency records) stay.
    if not same(prior, inputs, "name", "hashKey", "rangeKey"):
        return None
    return keep(m, typ, name, inputs, prior)


def delete_table(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["dynamodb"].delete_table(TableName=prior.id)


UPDATES = {"aws:dynamodb/table:Table": update_table}
DELETES = {"aws:dynamodb/table:Table": delete_table}
