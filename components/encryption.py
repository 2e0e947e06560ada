"""Stack key: the opt-in customer managed KMS key (`messaging:encryption: kms`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.config import StackConfig


@dataclass(frozen=True, kw_only=True)
class StackKeyArgs:
    stack: StackConfig
    account_id: pulumi.Input[str]


class StackKey(pulumi.ComponentResource):
    """One rotating KMS key per stack for queues, topics and the idempotency table.

    Its policy is a separate resource, written once the topology exists, because
    it names exactly the topic or rules allowed to use the key (their ARNs are
    only known after they are created, and they are created with this key).
    """

    TYPE = "messaging:encryption:StackKey"

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"messaging {args.stack.stack}: queues, topics and idempotency records",
            enable_key_rotation=True,
            deletion_window_in_days=defaults.KMS_DELETION_WINDOW_DAYS,
            tags=args.stack.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.stack.production),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{args.stack.project}-{args.stack.stack}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._policy: aws.kms.KeyPolicy | None = None
        self.key_arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id})

    def allow_services(self, grants: Sequence[tuple[str, Sequence[pulumi.Input[str]]]]) -> aws.kms.KeyPolicy:
        """Write the key policy: account administration, plus encrypt/decrypt for
        each (service principal, exact source ARNs) that delivers to our queues."""
        if self._policy is not None:
            raise RuntimeError("StackKey.allow_services called twice; a key has exactly one policy")
        services = [service for service, _ in grants]
        counts = [len(arns) for _, arns in grants]
        flat = [arn for _, arns in grants for arn in arns]

        def build(values: list) -> str:
            account_id, region, *arns = values
            resolved, start = [], 0
            for service, count in zip(services, counts):
                resolved.append(policies.SendGrant(service=service, source_arns=tuple(arns[start:start + count])))
                start += count
            return json.dumps(policies.key_policy(account_id, region, resolved))

        self._policy = aws.kms.KeyPolicy(
            f"{self._name}-policy",
            key_id=self.key.key_id,
            policy=pulumi.Output.all(self._args.account_id, self._args.stack.region, *flat).apply(build),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self._policy
