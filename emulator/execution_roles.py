"""Identity-policy checks for the functions' own AWS calls (moto enforces no IAM).

While a handler runs, every AWS call it makes through boto3 is checked
against the inline policies of its function's execution role, as AWS would:
an explicit ``Deny`` wins, otherwise an ``Allow`` must name the IAM action and
the resource (globs allowed).  A call the role does not allow fails inside the
handler with the service's real access-denied error, so the handler's own
error handling runs (the producer reports the entries it could not send; the
consumer fails the batch).  Implicit KMS use is checked too: sending to a
queue or topic under a customer managed key needs ``kms:GenerateDataKey`` and
``kms:Decrypt`` on it, receiving needs ``kms:Decrypt``.

The Lambda service's own polling is checked once, up front, as AWS does when
the event source mapping is created: the role must allow
``sqs:ReceiveMessage``, ``sqs:DeleteMessage`` and ``sqs:GetQueueAttributes``
on the queue (and ``kms:Decrypt`` on its key).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from botocore.exceptions import ClientError
from botocore.handlers import BUILTIN_HANDLERS

from .aws import AwsMocks, Function
from .policy import Verdict, identity_policy_allows

# Batch APIs are authorized as their single-message action.
_ACTION_ALIASES = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("dynamodb", "BatchGetItem"): "BatchGetItem",
}
_DENIED_CODE = {"sqs": "AccessDenied", "sns": "AuthorizationError"}
_ALWAYS_ALLOWED = {("sts", "GetCallerIdentity")}


class IamEnforcer:
    def __init__(self, mocks: AwsMocks):
        self.mocks = mocks
        self.current: Function | None = None
        self.denied: list[dict[str, str]] = []
        self.unchecked: set[str] = set()
        self._policies: dict[str, list[Any] | None] = {}

    def forget_roles(self) -> None:
        """Read the roles' policies again (an update may have changed them)."""
        self._policies.clear()

    # ------------------------------------------------------------ role data
    def role_policies(self, fn: Function) -> list[Any] | None:
        """Inline policy documents of the function's role; None when they cannot all be read."""
        role_ref = fn.role or ""
        if role_ref in self._policies:
            return self._policies[role_ref]
        iam = self.mocks.c["iam"]
        role = role_ref.rsplit("/", 1)[-1]
        docs: list[Any] | None = []
        try:
            for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
                docs.append(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
            if iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] or any(
                d.typ == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
                for d in self.mocks.resources
                if str(d.inputs.get("role")) in (role, role_ref)
            ):
                docs = None  # managed policies are not loaded in the embedded IAM: do not guess
        except Exception:  # noqa: BLE001 - no such role: nothing to evaluate
            docs = None
        self._policies[role_ref] = docs
        return docs

    def _queue(self, url: str | None) -> dict[str, Any] | None:
        return self.mocks.queue_by_url(url) if url else None

    def _key_arn(self, key: str | None) -> str | None:
        desc, rec = self.mocks.resolve_kms_key(key)
        if rec is not None:
            return rec["arn"]
        return None  # AWS-managed keys (aws/sqs, aws/sns) need no caller permission

    def required(self, prefix: str, op: str, params: dict[str, Any]) -> list[tuple[str, str]] | None:
        """(action, resource ARN) pairs a call needs, or None when the emulator does not model it."""
        base = _ACTION_ALIASES.get((prefix, op), op)
        needs: list[tuple[str, str]] = []
        if prefix == "sqs":
            if op == "GetQueueUrl":
                q = next((q for q in self.mocks.queues.values() if q["name"] == params.get("QueueName")), None)
                return [("sqs:GetQueueUrl", q["arn"] if q else "*")]
            q = self._queue(params.get("QueueUrl"))
            if q is None:
                return None
            needs.append((f"sqs:{base}", q["arn"]))
            key = self._key_arn(q["attrs"].get("KmsMasterKeyId"))
            if key and base == "SendMessage":
                needs += [("kms:GenerateDataKey", key), ("kms:Decrypt", key)]
            elif key and base == "ReceiveMessage":
                needs.append(("kms:Decrypt", key))
            return needs
        if prefix == "sns":
            arn = params.get("TopicArn")
            if not arn:
                return None
            needs.append((f"sns:{base}", arn))
            topic = self.mocks.topics.get(arn)
            key = self._key_arn((topic or {}).get("inputs", {}).get("kmsMasterKeyId")) if topic else None
            if key and base == "Publish":
                needs += [("kms:GenerateDataKey", key), ("kms:Decrypt", key)]
            return needs
        if prefix == "events" and op == "PutEvents":
            for entry in params.get("Entries") or []:
                bus = entry.get("EventBusName") or "default"
                arn = (
                    bus
                    if bus.startswith("arn:")
                    else f"arn:{self.mocks.partition}:events:{self.mocks.region}:{self.mocks.account}:event-bus/{bus}"
                )
                needs.append(("events:PutEvents", arn))
            return needs
        if prefix == "dynamodb" and params.get("TableName"):
            arn = (
                f"arn:{self.mocks.partition}:dynamodb:{self.mocks.region}:{self.mocks.account}:table/"
                f"{params['TableName']}"
            )
            return [(f"dynamodb:{base}", arn)]
        return None

    # ---------------------------------------------------------------- hooks
    def check_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        fn = self.current
        if fn is None:
            return
        prefix, op = model.service_model.endpoint_prefix, model.name
        if (prefix, op) in _ALWAYS_ALLOWED:
            return
        needs = self.required(prefix, op, params or {})
        if needs is None:
            self.unchecked.add(f"{prefix}:{op}")
            return
        policies = self.role_policies(fn)
        if policies is None:
            self.unchecked.add(f"{prefix}:{op}")
            return
        for action, resource in needs:
            verdict = identity_policy_allows(policies, action, resource)
            if not verdict.allowed:
                role = (fn.role or "?").rsplit("/", 1)[-1]
                message = (
                    f"User: arn:aws:sts::{self.mocks.account}:assumed-role/{role}/{fn.name} is not authorized "
                    f"to perform: {action} on resource: {resource} because {verdict.reason}"
                )
                self.denied.append({"function": fn.name, "action": action, "resource": resource})
                code = _DENIED_CODE.get(prefix, "AccessDeniedException")
                raise ClientError({"Error": {"Code": code, "Message": message}}, op)

    def check_mapping(self, fn: Function, queue: dict[str, Any]) -> Verdict:
        """What AWS checks when the event source mapping is created."""
        policies = self.role_policies(fn)
        if policies is None:
            return Verdict(True, "role policies not evaluated")
        needs = [(f"sqs:{a}", queue["arn"]) for a in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")]
        key = self._key_arn(queue["attrs"].get("KmsMasterKeyId"))
        if key:
            needs.append(("kms:Decrypt", key))
        for action, resource in needs:
            if not identity_policy_allows(policies, action, resource).allowed:
                return Verdict(False, f"the execution role does not allow {action} on {resource}")
        return Verdict(True, "ok")

    def may_send(self, fn: Function, queue: dict[str, Any]) -> bool:
        """Lambda sends a failed asynchronous invocation to the function's DLQ with the execution role."""
        policies = self.role_policies(fn)
        if policies is None:
            return True  # not evaluated (managed policies), as for the function's own calls
        needs = [("sqs:SendMessage", queue["arn"])]
        key = self._key_arn(queue["attrs"].get("KmsMasterKeyId"))
        if key:
            needs.append(("kms:GenerateDataKey", key))
        return all(identity_policy_allows(policies, action, resource).allowed for action, resource in needs)

    @contextlib.contextmanager
    def installed(self) -> Iterator["IamEnforcer"]:
        """Check calls of boto3 clients created while installed (the handlers create theirs lazily)."""
        entry = ("provide-client-params.*.*", self.check_call)
        BUILTIN_HANDLERS.append(entry)
        try:
            yield self
        finally:
            BUILTIN_HANDLERS.remove(entry)
