"""Point-to-point: the producer sends straight to the one consumer's queue."""

from __future__ import annotations

import pulumi

from components import lambda_env, policies
from components.topology import Channel, TopologyArgs


class PointToPoint(pulumi.ComponentResource):
    """No routing: one queue, one consumer. The producer's role grants the send;
    no service principal may write to the queue."""

    TYPE = "messaging:topology:PointToPoint"

    channel_kind: pulumi.Output[str]
    target: pulumi.Output[str]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        (consumer,) = args.consumers  # config validation guarantees exactly one
        self.channel = Channel(lambda_env.CHANNEL_SQS, consumer.queue_url, consumer.queue_arn)
        self.service_grants: list[policies.SendGrant] = []

    def grant_for(self, consumer_name: str) -> policies.SendGrant | None:
        return None

    def connect(self, key_policy: pulumi.Resource | None = None) -> None:
        """Nothing to route: the producer's own role sends to the queue."""
        self.channel_kind = pulumi.Output.from_input(self.channel.kind)
        self.target = self.channel.target
        self.register_outputs({"channel_kind": self.channel_kind, "target": self.target})
