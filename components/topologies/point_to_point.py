"""Point-to-point: the producer sends straight to the one consumer's queue."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components import lambda_env, policies
from components.topologies.base import Channel, Endpoint, Topology, TopologyArgs


class PointToPoint(Topology):
    """No routing: one queue, one consumer. The producer's role grants the send;
    no service principal may write to the queue, so nothing is created here."""

    TYPE = "messaging:topology:PointToPoint"
    KIND = "point-to-point"

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, opts)
        if len(args.routes) != 1:
            raise ValueError(f"point-to-point serves exactly one consumer, got {len(args.routes)}")
        self.register_outputs({})

    @property
    def service_grants(self) -> Sequence[policies.SendGrant]:
        return []

    def grant_for(self, consumer_name: str) -> None:
        return None

    def _connect(self, endpoints: Sequence[Endpoint]) -> Channel:
        (endpoint,) = endpoints
        return Channel(lambda_env.CHANNEL_SQS, endpoint.queue_url, endpoint.queue_arn)
