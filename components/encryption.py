"""Stack key: the opt-in customer managed KMS key (`messaging:encryption: kms`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.config import StackConfig
from components.grants import resolved


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

    def allow_services(self, grants: Sequence[policies.SendGrant]) -> aws.kms.KeyPolicy:
        """Write the key policy: account administration, plus encrypt/decrypt for
        each service that delivers to our queues, from exactly its sources."""
        if self._policy is not None:
            raise RuntimeError("StackKey.allow_services called twice; a key has exactly one policy")
        self._policy = aws.kms.KeyPolicy(
            f"{self._name}-policy",
            key_id=self.key.key_id,
            policy=pulumi.Output.all(self._args.account_id, resolved(grants)).apply(
                lambda a: json.dumps(policies.key_policy(a[0], self._args.stack.region, a[1]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self._policy
