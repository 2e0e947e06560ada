"""IAM: execution roles and their inline policies, managed policies (attachments are recorded only)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .base import json_text, refuse_keys, tags_of

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def role(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "name",
            "namePrefix",
            "assumeRolePolicy",
            "description",
            "path",
            "maxSessionDuration",
            "tags",
            "forceDetachPolicies",
            "permissionsBoundary",
        },
    )
    rname = m.physical_name(typ, name, inputs)
    kwargs: dict[str, Any] = {"RoleName": rname, "AssumeRolePolicyDocument": json_text(inputs["assumeRolePolicy"])}
    if inputs.get("path"):
        kwargs["Path"] = inputs["path"]
    if inputs.get("tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_of(inputs).items()]
    role = m.c["iam"].create_role(**kwargs)["Role"]
    return rname, {"arn": role["Arn"], "name": rname, "id": rname, "uniqueId": role["RoleId"]}


def role_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"role", "policy", "name", "namePrefix"})
    role = inputs["role"]
    if role.startswith("arn:"):
        role = role.rsplit("/", 1)[-1]
    pname = m.physical_name(typ, name, inputs)
    m.c["iam"].put_role_policy(RoleName=role, PolicyName=pname, PolicyDocument=json_text(inputs["policy"]))
    return f"{role}:{pname}", {"name": pname, "role": role, "id": f"{role}:{pname}"}


def policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "namePrefix", "description", "path", "policy", "tags"})
    pname = m.physical_name(typ, name, inputs)
    kwargs: dict[str, Any] = {"PolicyName": pname, "PolicyDocument": json_text(inputs["policy"])}
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_of(inputs).items()]
    arn = m.c["iam"].create_policy(**kwargs)["Policy"]["Arn"]
    return arn, {"arn": arn, "name": pname, "id": arn, "policy": kwargs["PolicyDocument"]}


def role_policy_attachment(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"role", "policyArn"})
    # AWS-managed policies are not loaded in the embedded IAM: recorded only.
    rid = f"{inputs['role']}-{hashlib.sha1(inputs['policyArn'].encode()).hexdigest()[:8]}"
    return rid, {"id": rid}


RESOURCES = {
    "aws:iam/role:Role": role,
    "aws:iam/rolePolicy:RolePolicy": role_policy,
    "aws:iam/policy:Policy": policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": role_policy_attachment,
}
