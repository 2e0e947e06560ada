"""Producer: a publishing Lambda pointed at the topology's channel. The built-in one
(`handlers.producer.handler`) and each of the team's own (`messaging:producers`) are
the same component with a different handler.

The channel environment and the publish grant are built here once, for the producer
functions and for publishers outside the stack (`publish_policy_document`,
`publisher_environment`), so all of them are allowed exactly the same sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import defaults, lambda_env, policies
from components.lambda_function import FunctionSpec, create_function
from components.topologies.base import Channel


def publisher_environment(
    channel: Channel, *, source: str, fifo: bool, schemas_json: str | None = None
) -> dict[str, pulumi.Input[str]]:
    """The variables `handlers.publisher.publish` reads to send into `channel` (and check the event schemas)."""
    return {
        lambda_env.CHANNEL: channel.kind,
        lambda_env.TARGET: channel.target,
        lambda_env.DEFAULT_SOURCE: source,
        lambda_env.FIFO: lambda_env.flag(fifo),
        **({lambda_env.SCHEMAS: schemas_json} if schemas_json is not None else {}),
    }


def _targets(channels: Sequence[Channel]) -> pulumi.Output[list]:
    """(kind, target ARN) of each channel, current first, for the policy functions."""
    kinds = [c.kind for c in channels]
    return pulumi.Output.all(*[c.target_arn for c in channels]).apply(lambda arns: list(zip(kinds, arns, strict=True)))


def publish_policy_document(channels: Sequence[Channel], kms_key_arn: pulumi.Input[str] | None) -> pulumi.Output[str]:
    """The grant to publish into `channels` (current first), as the JSON an IAM policy takes."""
    return pulumi.Output.all(_targets(channels), kms_key_arn).apply(
        lambda a: json.dumps(policies.publish_policy(targets=a[0], kms_key_arn=a[1]))
    )


@dataclass(frozen=True, kw_only=True)
class ProducerComponentArgs:
    channel: Channel  # where it publishes
    tags: Mapping[str, str]
    source: str = defaults.DEFAULT_SOURCE  # the envelope source it fills in when a message has none
    fifo: bool = defaults.FIFO
    log_retention_days: int = defaults.LOG_RETENTION_DAYS
    # Channels it published to before a switch: it may still send there until the update
    # has moved it, so an invocation on the old environment is never refused.
    draining: Sequence[Channel] = ()
    # Resources that must exist before the producer is pointed at the channel: the
    # routes behind it, so nothing is published into a topic or bus that delivers nowhere.
    wait_for: Sequence[pulumi.Resource] = ()
    kms_key_arn: pulumi.Input[str] | None = None
    code_root: Path | None = None  # the team's code folder, shipped beside the runtime; None: the runtime alone
    dependencies_layer_arn: pulumi.Input[str] | None = None  # the stack's layer of the team's dependencies
    # The Lambda handler string: the built-in producer, or a team function ("checkout.handler").
    handler: str = defaults.PRODUCER_HANDLER
    timeout_seconds: int = defaults.PRODUCER_TIMEOUT_SECONDS
    memory_mb: int = defaults.PRODUCER_MEMORY_MB
    schemas_json: str | None = None  # {type: JSON Schema} the producer checks each envelope's data against


class Producer(pulumi.ComponentResource):
    """A function that publishes envelopes. It lives outside the topology so
    a switch updates its environment and policy in place instead of replacing it."""

    TYPE = "messaging:producer:Producer"

    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ProducerComponentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        targets = _targets([args.channel, *args.draining])

        def role_policy(log_group_arn: pulumi.Output[str]) -> pulumi.Output[str]:
            return pulumi.Output.all(targets, log_group_arn, args.kms_key_arn).apply(
                lambda a: json.dumps(policies.producer_role_policy(targets=a[0], log_group_arn=a[1], kms_key_arn=a[2]))
            )

        fn = create_function(
            name,
            FunctionSpec(
                handler=args.handler,
                timeout_seconds=args.timeout_seconds,
                memory_mb=args.memory_mb,
                environment={
                    **publisher_environment(args.channel, source=args.source, fifo=args.fifo),
                    lambda_env.SERVICE_NAME: name,
                    lambda_env.LOG_LEVEL: defaults.LOG_LEVEL,
                    **({lambda_env.SCHEMAS: args.schemas_json} if args.schemas_json is not None else {}),
                },
                log_retention_days=args.log_retention_days,
                code_root=args.code_root,
                dependencies_layer_arn=args.dependencies_layer_arn,
                tags=args.tags,
            ),
            parent=self,
            role_policy=role_policy,
            depends_on=list(args.wait_for),
        )
        self.role_policy = fn.role_policy
        self.role_name = fn.role.name  # for grants other components add (a schedule's dead-letter destination)
        self.function_name = fn.function.name
        self.function_arn = fn.function.arn
        self.register_outputs({"function_name": self.function_name, "function_arn": self.function_arn})
