"""IAM: execution roles and their inline policies, managed policies (attachments are recorded only)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .base import Declared, gone, json_text, keep, nothing, refuse_keys, same, tags_of, upsert

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


MAX_POLICY_VERSIONS = 5  # IAM keeps at most five versions of a managed policy


def update_role(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "namePrefix", "path"):
        return None
    if inputs.get("assumeRolePolicy") != prior.inputs.get("assumeRolePolicy"):
        m.c["iam"].update_assume_role_policy(RoleName=prior.id, PolicyDocument=json_text(inputs["assumeRolePolicy"]))
    return keep(m, typ, name, inputs, prior)  # its inline policies are resources of their own


def update_policy(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "namePrefix", "path"):
        return None
    iam, doc = m.c["iam"], json_text(inputs["policy"])
    versions = iam.list_policy_versions(PolicyArn=prior.id)["Versions"]
    if len(versions) >= MAX_POLICY_VERSIONS:
        oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
        iam.delete_policy_version(PolicyArn=prior.id, VersionId=oldest["VersionId"])
    iam.create_policy_version(PolicyArn=prior.id, PolicyDocument=doc, SetAsDefault=True)
    rid, outputs = keep(m, typ, name, inputs, prior)
    return rid, {**outputs, "policy": doc}


def delete_role(m: AwsMocks, prior: Declared) -> None:
    iam = m.c["iam"]
    with gone():
        for pname in iam.list_role_policies(RoleName=prior.id)["PolicyNames"]:  # IAM deletes no role that has any
            iam.delete_role_policy(RoleName=prior.id, PolicyName=pname)
        iam.delete_role(RoleName=prior.id)


def delete_role_policy(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["iam"].delete_role_policy(RoleName=prior.outputs["role"], PolicyName=prior.outputs["name"])


def delete_policy(m: AwsMocks, prior: Declared) -> None:
    iam = m.c["iam"]
    with gone():
        for v in iam.list_policy_versions(PolicyArn=prior.id)["Versions"]:
            if not v["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=prior.id, VersionId=v["VersionId"])
        iam.delete_policy(PolicyArn=prior.id)


RESOURCES = {
    "aws:iam/role:Role": role,
    "aws:iam/rolePolicy:RolePolicy": role_policy,
    "aws:iam/policy:Policy": policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": role_policy_attachment,
}
UPDATES = {
    "aws:iam/role:Role": update_role,
    "aws:iam/rolePolicy:RolePolicy": upsert(role_policy),  # PutRolePolicy creates or replaces
    "aws:iam/policy:Policy": update_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": upsert(role_policy_attachment),
}
DELETES = {
    "aws:iam/role:Role": delete_role,
    "aws:iam/rolePolicy:RolePolicy": delete_role_policy,
    "aws:iam/policy:Policy": delete_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": nothing,  # recorded only
}
