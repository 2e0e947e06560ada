"""Producer: the shared producer Lambda, pointed at the topology's channel."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import defaults, lambda_env, policies
from components.lambda_function import FunctionSpec, create_function
from components.topologies.base import Channel


@dataclass(frozen=True, kw_only=True)
class ProducerArgs:
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
    layer_zip: Path | None = None  # the team's dependencies as a layer zip


class Producer(pulumi.ComponentResource):
    """The function that publishes envelopes. It lives outside the topology so
    a switch updates its environment and policy in place instead of replacing it."""

    TYPE = "messaging:producer:Producer"

    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ProducerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        channel = args.channel
        channels = [channel, *args.draining]
        # Sending to an encrypted queue or topic needs the key; PutEvents does not (the bus uses an AWS-owned key).
        encrypts = any(c.kind != lambda_env.CHANNEL_EVENTS for c in channels)
        send_key = args.kms_key_arn if encrypts else None

        def role_policy(log_group_arn: pulumi.Output[str]) -> pulumi.Output[str]:
            return pulumi.Output.all(log_group_arn, send_key, *[c.target_arn for c in channels]).apply(
                lambda a: json.dumps(
                    policies.producer_role_policy(
                        targets=list(zip([c.kind for c in channels], a[2:], strict=False)),
                        log_group_arn=a[0],
                        kms_key_arn=a[1],
                    )
                )
            )

        fn = create_function(
            name,
            FunctionSpec(
                handler=defaults.PRODUCER_HANDLER,
                timeout_seconds=defaults.PRODUCER_TIMEOUT_SECONDS,
                memory_mb=defaults.PRODUCER_MEMORY_MB,
                environment={
                    lambda_env.CHANNEL: channel.kind,
                    lambda_env.TARGET: channel.target,
                    lambda_env.DEFAULT_SOURCE: args.source,
                    lambda_env.FIFO: lambda_env.flag(args.fifo),
                    lambda_env.SERVICE_NAME: name,
                    lambda_env.LOG_LEVEL: defaults.LOG_LEVEL,
                },
                log_retention_days=args.log_retention_days,
                code_root=args.code_root,
                layer_zip=args.layer_zip,
                tags=args.tags,
            ),
            parent=self,
            role_policy=role_policy,
            depends_on=list(args.wait_for),
        )
        self.role_policy = fn.role_policy
        self.function_name = fn.function.name
        self.function_arn = fn.function.arn
        self.register_outputs({"function_name": self.function_name, "function_arn": self.function_arn})
