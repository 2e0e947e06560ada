"""The topology protocol: what every topology takes, gives, and in which order it is built.

A topology owns only the ingress, and is built in two phases so that nothing
routes before it is allowed to deliver (docs/topology-protocol.md):

1. the constructor creates the sources (a topic, or a bus and one rule per
   consumer) and registers them as outputs; `grant_for` then says which
   service may send to which consumer queue from which sources;
2. once each consumer's queue and DLQ policy (and the stack key's policy)
   name those sources, `connect` creates the routes (subscriptions, targets)
   that wait for them, and returns the channel the producer publishes to.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from components.policies import SendGrant


@dataclass(frozen=True, kw_only=True)
class RouteSpec:
    """A consumer as a topology's sources see it: its name and what it selects (None: everything)."""

    name: str
    match: Mapping[str, Any] | None = None
    direct: bool = False  # the route invokes the consumer's function itself (no queue)
    # EventBridge target retry policy; None: components/defaults.py's.
    maximum_retry_attempts: int | None = None
    maximum_event_age_in_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """A consumer as a route sees it: where to deliver, where to dead-letter, and what must exist first."""

    name: str
    queue_url: pulumi.Input[str] | None  # None for a direct consumer (no queue)
    queue_arn: pulumi.Input[str] | None
    dlq_arn: pulumi.Input[str]
    function_name: pulumi.Input[str] | None = None  # what a direct route invokes
    function_arn: pulumi.Input[str] | None = None
    # The queue and DLQ policies that let the route deliver, and the key policy when the queues are encrypted.
    wait_for: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class Channel:
    """Where the producer sends: its kind, the address it calls, the ARN its role may send to."""

    kind: str  # components.lambda_env.CHANNEL_*
    target: pulumi.Input[str]
    target_arn: pulumi.Input[str]


@dataclass(frozen=True, kw_only=True)
class TopologyArgs:
    """What every topology uses. Tags are given, never derived from the component's name."""

    routes: Sequence[RouteSpec]
    account_id: pulumi.Input[str]
    tags: Mapping[str, str]
    fifo: bool = False
    kms_key_arn: pulumi.Input[str] | None = None


class Topology(pulumi.ComponentResource, abc.ABC):
    """One ingress. Subclasses create their sources in `__init__` and their routes in `connect`."""

    KIND: ClassVar[str]  # the `messaging:topology` value it implements

    def __init__(self, type_: str, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(type_, name, None, opts)
        self._connected = False

    @property
    @abc.abstractmethod
    def service_grants(self) -> Sequence[SendGrant]:
        """Every service that delivers into the consumers' queues, with all its sources (for the key policy)."""

    @property
    def encrypted_sources(self) -> Sequence[pulumi.Input[str]]:
        """Sources encrypted with the stack key that EventBridge must be allowed to use it for (its bus)."""
        return ()

    @abc.abstractmethod
    def grant_for(self, consumer_name: str) -> SendGrant | None:
        """What one consumer's queue and DLQ must accept from this ingress (None: no service sends)."""

    def connect(self, endpoints: Sequence[Endpoint]) -> Channel:
        """Create the routes once their endpoints' policies exist; return where the producer publishes."""
        if self._connected:
            raise RuntimeError(f"{type(self).__name__}.connect called twice; each consumer has exactly one route")
        self._connected = True
        return self._connect(endpoints)

    @abc.abstractmethod
    def _connect(self, endpoints: Sequence[Endpoint]) -> Channel: ...


def resolved_grants(grants: Sequence[SendGrant]) -> pulumi.Output[list[SendGrant]]:
    """The same grants with their source ARNs known, for the pure policy functions."""
    return pulumi.Output.all(*[pulumi.Output.all(*grant.source_arns) for grant in grants]).apply(
        lambda arn_lists: [
            SendGrant(service=grant.service, source_arns=tuple(arns))
            for grant, arns in zip(grants, arn_lists, strict=True)
        ]
    )
