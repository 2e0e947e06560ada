"""Ingress: the topology the producer publishes to, and the one it drains while switching.

Builds each topology's sources, then the consumers' queue policies and the
stack key's policy naming exactly those sources, then the routes that depend
on them, so nothing routes before it is allowed to deliver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.consumer import Consumer
from components.encryption import StackKey
from components.eventbridge import EventBridge
from components.fanout import Fanout
from components.point_to_point import PointToPoint
from components.topology import TopologyArgs

# `messaging:topology` -> the component that builds it.
TOPOLOGIES = {
    "point-to-point": PointToPoint,
    "fanout": Fanout,
    "eventbridge": EventBridge,
}


@dataclass(frozen=True, kw_only=True)
class IngressArgs:
    topology: TopologyArgs
    key: StackKey | None = None


@dataclass(frozen=True)
class Ingress:
    current: pulumi.ComponentResource  # the producer publishes here
    draining: tuple[pulumi.ComponentResource, ...]  # still delivers what was published before the switch

    @property
    def components(self) -> list[pulumi.ComponentResource]:
        return [self.current, *self.draining]


def build_ingress(args: IngressArgs) -> Ingress:
    stack = args.topology.stack
    names = [stack.topology, *filter(None, [stack.previous_topology])]
    topologies = [TOPOLOGIES[name](name, args.topology) for name in names]
    consumers: Sequence[Consumer] = args.topology.consumers
    for consumer in consumers:
        consumer.accept_from([grant for t in topologies if (grant := t.grant_for(consumer.config.name))])
    key_policy = args.key.allow_services([g for t in topologies for g in t.service_grants]) if args.key else None
    for topology in topologies:
        topology.connect(key_policy)
    return Ingress(current=topologies[0], draining=tuple(topologies[1:]))
