"""Stack key: the opt-in customer managed KMS key (`messaging:encryption: kms`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.topologies.base import resolved_grants


@dataclass(frozen=True, kw_only=True)
class StackKeyArgs:
    account_id: pulumi.Input[str]
    region: str
    alias_name: str  # e.g. alias/messaging-prod
    description: str
    tags: Mapping[str, str]
    protect: bool = False  # production: a destroy must not schedule the key's deletion


class StackKey(pulumi.ComponentResource):
    """One rotating KMS key per stack for queues, topics, the bus and the idempotency table.

    Its policy is a second phase (`allow_services`), written once the topology's
    sources exist, because it names exactly the topic, rules or bus allowed to use
    the key (their ARNs are only known after they are created, with this key).
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
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=defaults.KMS_DELETION_WINDOW_DAYS,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=args.alias_name,
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy: aws.kms.KeyPolicy | None = None
        self.key_arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id})

    def allow_services(
        self, grants: Sequence[policies.SendGrant], bus_arns: Sequence[pulumi.Input[str]] = ()
    ) -> aws.kms.KeyPolicy:
        """Write the key policy: account administration, encrypt/decrypt for each service that
        delivers to our queues from exactly its sources, and for EventBridge on exactly our bus."""
        if self.policy is not None:
            raise RuntimeError("StackKey.allow_services called twice; a key has exactly one policy")
        region = self._args.region
        self.policy = aws.kms.KeyPolicy(
            f"{self._name}-policy",
            key_id=self.key.key_id,
            policy=pulumi.Output.all(
                self._args.account_id, resolved_grants(grants), pulumi.Output.all(*bus_arns)
            ).apply(lambda a: json.dumps(policies.key_policy(a[0], region, a[1], bus_arns=a[2]))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self.policy
