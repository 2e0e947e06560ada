"""KMS: customer managed keys, aliases and key policies (kept for the delivery checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import EmulatorError
from .base import Declared, boolean, gone, json_text, keep, nothing, refuse_keys, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def kms_key(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "description",
            "policy",
            "enableKeyRotation",
            "deletionWindowInDays",
            "keyUsage",
            "customerMasterKeySpec",
            "tags",
            "isEnabled",
            "rotationPeriodInDays",
            "multiRegion",
            "bypassPolicyLockoutSafetyCheck",
        },
    )
    kwargs: dict[str, Any] = {}
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("policy"):
        kwargs["Policy"] = json_text(inputs["policy"])
    meta = m.c["kms"].create_key(**kwargs)["KeyMetadata"]
    if boolean(inputs.get("enableKeyRotation", False)):
        m.c["kms"].enable_key_rotation(KeyId=meta["KeyId"])
    m.kms_keys[meta["KeyId"]] = {"arn": meta["Arn"], "policy": kwargs.get("Policy"), "resource": name}
    return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"], "id": meta["KeyId"]}


def kms_alias(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "namePrefix", "targetKeyId"})
    aname = m.physical_name(typ, name, inputs)
    if not aname.startswith("alias/"):
        aname = f"alias/{aname}"
    target = inputs["targetKeyId"]
    kid = target.rsplit("/", 1)[-1] if target.startswith("arn:") else target
    m.c["kms"].create_alias(AliasName=aname, TargetKeyId=kid)
    m.kms_aliases[aname] = kid
    arn = m.arn("kms", aname)
    return aname, {"arn": arn, "name": aname, "id": aname, "targetKeyArn": m.kms_keys.get(kid, {}).get("arn")}


def kms_key_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"keyId", "policy", "bypassPolicyLockoutSafetyCheck"})
    _, rec = m.resolve_kms_key(inputs["keyId"])
    if rec is None:
        raise EmulatorError(f"{typ} {name!r}: key {inputs['keyId']!r} is not a key the program declared")
    policy = json_text(inputs["policy"])
    kid = rec["arn"].rsplit("/", 1)[-1]
    m.c["kms"].put_key_policy(KeyId=kid, PolicyName="default", Policy=policy)
    rec["policy"] = policy
    return kid, {"id": kid}


RESOURCES = {
    "aws:kms/key:Key": kms_key,
    "aws:kms/alias:Alias": kms_alias,
    "aws:kms/keyPolicy:KeyPolicy": kms_key_policy,
}


def update_key(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    """The same key (what it encrypted stays readable): a new policy, rotation, description."""
    kms, kid = m.c["kms"], prior.id
    if inputs.get("policy") and inputs.get("policy") != prior.inputs.get("policy"):
        kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=json_text(inputs["policy"]))
    if boolean(inputs.get("enableKeyRotation", False)) != boolean(prior.inputs.get("enableKeyRotation", False)):
        (kms.enable_key_rotation if boolean(inputs.get("enableKeyRotation", False)) else kms.disable_key_rotation)(
            KeyId=kid
        )
    if inputs.get("description") != prior.inputs.get("description"):
        kms.update_key_description(KeyId=kid, Description=str(inputs.get("description") or ""))
    rid, outputs = keep(m, typ, name, inputs, prior)
    if inputs.get("policy"):
        m.kms_keys[kid] = {**m.kms_keys[kid], "policy": json_text(inputs["policy"])}
    return rid, outputs


def delete_key(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["kms"].schedule_key_deletion(KeyId=prior.id, PendingWindowInDays=7)  # KMS's shortest wait


def delete_alias(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["kms"].delete_alias(AliasName=prior.id)


# An alias whose inputs change is replaced (DeleteAlias, CreateAlias).
UPDATES = {"aws:kms/key:Key": update_key, "aws:kms/keyPolicy:KeyPolicy": upsert(kms_key_policy)}
DELETES = {"aws:kms/key:Key": delete_key, "aws:kms/alias:Alias": delete_alias, "aws:kms/keyPolicy:KeyPolicy": nothing}
