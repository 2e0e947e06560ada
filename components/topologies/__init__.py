"""The three ingress topologies, one module each, behind one protocol (`base.Topology`)."""

from components.topologies.base import Channel, Endpoint, RouteSpec, Topology, TopologyArgs
from components.topologies.eventbridge import EventBridge, EventBridgeArgs
from components.topologies.fanout import Fanout, FanoutArgs
from components.topologies.point_to_point import PointToPoint

# `messaging:topology` -> the component that builds it.
TOPOLOGIES: dict[str, type[Topology]] = {cls.KIND: cls for cls in (PointToPoint, Fanout, EventBridge)}

__all__ = [
    "TOPOLOGIES",
    "Channel",
    "Endpoint",
    "EventBridge",
    "EventBridgeArgs",
    "Fanout",
    "FanoutArgs",
    "PointToPoint",
    "RouteSpec",
    "Topology",
    "TopologyArgs",
]
