"""DynamoDB: tables (the consumers' idempotency store)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import boolean, num, refuse_keys

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
