"""Point-to-point: the producer sends straight to the one consumer's queue."""

from __future__ import annotations

import pulumi

from components import lambda_env
from components.topology import Channel, ServiceGrant, TopologyArgs


class PointToPoint(pulumi.ComponentResource):
    """No routing: one queue, one consumer. The producer's role grants the send;
    the queue policy only enforces TLS (no service principal may send)."""

    TYPE = "messaging:topology:PointToPoint"

    channel_kind: pulumi.Output[str]
    target: pulumi.Output[str]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        (consumer,) = args.consumers  # config validation guarantees exactly one
        consumer.accept_from(None, [])
        self.channel = Channel(lambda_env.CHANNEL_SQS, consumer.queue_url, consumer.queue_arn)
        self.service_grants: list[ServiceGrant] = []  # only the producer's role writes here
        self.channel_kind = pulumi.Output.from_input(self.channel.kind)
        self.target = self.channel.target
        self.register_outputs({"channel_kind": self.channel_kind, "target": self.target})
