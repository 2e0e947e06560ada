"""What every topology component takes and gives.

A topology owns only the ingress (topic and subscriptions, or bus, archive,
rules and targets) and tells each consumer which source may send to it. It
exposes the channel the producer publishes to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.config import StackConfig
from components.consumer import Consumer


@dataclass(frozen=True, kw_only=True)
class TopologyArgs:
    stack: StackConfig
    consumers: Sequence[Consumer]
    account_id: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class ServiceGrant:
    """A service principal that writes to our queues on behalf of exactly these sources."""

    service: str
    source_arns: tuple[pulumi.Output[str], ...]


@dataclass(frozen=True)
class Channel:
    """Where the producer sends: its kind, the address it calls, the ARN its role may send to."""

    kind: str  # components.lambda_env.CHANNEL_*
    target: pulumi.Output[str]
    target_arn: pulumi.Output[str]
