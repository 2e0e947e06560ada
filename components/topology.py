"""What every topology component takes and gives.

A topology owns only the ingress. It is built in two steps so that policies
can name its sources before anything routes through them:

1. the constructor creates the sources (the topic, or the bus and one rule per
   consumer) and says which service may send to which consumer (`grant_for`);
2. once the consumers' queue policies (and the stack key's policy) exist,
   `connect()` creates the routes (subscriptions or targets) that depend on them.

A stack can hold two topologies at once while it switches: the new one the
producer publishes to, and the one it drains (`messaging:previousTopology`).
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
class Channel:
    """Where the producer sends: its kind, the address it calls, the ARN its role may send to."""

    kind: str  # components.lambda_env.CHANNEL_*
    target: pulumi.Output[str]
    target_arn: pulumi.Output[str]
