"""What ops knows about a deployed stack: its outputs, and what the AWS APIs say about the rest.

Only the program's exports are read from the outputs (queue and DLQ URLs,
functions, the producer, the channel, the schedules); everything else is
discovered through the services: queue ARNs and redrive policies from SQS,
event source mappings from Lambda, archives and rules from EventBridge,
subscriptions from SNS, each schedule's expression and state from Scheduler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
import botocore.config

from .errors import OpsError

_REGION_IN_URL = re.compile(r"^https?://sqs[.-]([a-z0-9-]+)\.amazonaws\.com")
_CLIENT_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60
)


DIRECT = "direct"  # a consumer's delivery when SNS or EventBridge invokes its function (no queue)
# A queue's depth as ops reports it: the messages SQS holds, visible and in flight (GetQueueAttributes).
DEPTH_ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")


def depth(attributes: dict[str, str]) -> int:
    """The depth from GetQueueAttributes' answer for (at least) DEPTH_ATTRIBUTES."""
    return sum(int(attributes[name]) for name in DEPTH_ATTRIBUTES)


# The name `dlq` commands take for the schedules' DLQ: no consumer can have it (components/defaults.py RESERVED_NAMES).
SCHEDULES = "schedules"


@dataclass(frozen=True)
class Consumer:
    name: str
    queue_url: str | None  # None: a direct consumer
    dlq_url: str
    function: str
    delivery: str = "queue"

    @property
    def direct(self) -> bool:
        return self.delivery == DIRECT

    @property
    def queue_name(self) -> str | None:
        return self.queue_url.rstrip("/").rsplit("/", 1)[-1] if self.queue_url else None

    @property
    def dlq_name(self) -> str:
        return self.dlq_url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Forward:
    """A consumer that forwards to another event bus: no queue, no function; its rule's DLQ."""

    name: str
    bus: str  # the event bus ARN it forwards to
    dlq_url: str

    @property
    def dlq_name(self) -> str:
        return self.dlq_url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Schedules:
    """The stack's schedules (`schedules` output): their Scheduler group, their DLQ, each one's ARN by name."""

    group: str
    dlq_url: str
    arns: tuple[tuple[str, str], ...]  # (schedule name, ARN), sorted by name
    name: str = SCHEDULES

    @property
    def dlq_name(self) -> str:
        return self.dlq_url.rstrip("/").rsplit("/", 1)[-1]


def _region(outputs: dict[str, Any]) -> str | None:
    urls = [c.get("queueUrl") or c["dlqUrl"] for c in outputs["consumers"].values()]
    urls += [f["dlqUrl"] for f in (outputs.get("forwards") or {}).values()]
    urls += [outputs["schedules"]["dlqUrl"]] if outputs.get("schedules") else []
    for url in urls:
        m = _REGION_IN_URL.match(url)
        if m:
            return m.group(1)
    for value in (outputs.get("alarmTopicArn"), (outputs.get("channel") or {}).get("target")):
        if isinstance(value, str) and value.startswith("arn:") and value.count(":") >= 5:
            return value.split(":")[3]
    return None


class Stack:
    def __init__(self, outputs: dict[str, Any], stack_name: str | None = None):
        self.outputs = outputs
        self.stack_name = stack_name
        self.session = boto3.session.Session(region_name=_region(outputs))
        if self.session.region_name is None:
            raise OpsError("cannot tell the stack's region from its outputs: set AWS_DEFAULT_REGION")
        if self.session.get_credentials() is None:
            raise OpsError(
                "no AWS credentials found: configure a profile or export AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (against `python -m emulator serve`, any value works)"
            )
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, config=_CLIENT_CONFIG)
        return self._clients[service]

    # --------------------------------------------------------------- outputs
    @property
    def topology(self) -> str:
        return str(self.outputs["topology"])

    @property
    def draining(self) -> str | None:
        value = self.outputs.get("drainingTopology")
        return str(value) if value else None

    @property
    def channel(self) -> dict[str, Any]:
        return self.outputs["channel"]

    @cached_property
    def consumers(self) -> list[Consumer]:
        return [
            Consumer(name, c.get("queueUrl"), c["dlqUrl"], c["function"], c.get("delivery") or "queue")
            for name, c in sorted(self.outputs["consumers"].items())
        ]

    @cached_property
    def forwards(self) -> list[Forward]:
        """Consumers that forward to another event bus (the `forwards` output; none in older stacks)."""
        return [
            Forward(name, f["bus"], f["dlqUrl"]) for name, f in sorted((self.outputs.get("forwards") or {}).items())
        ]

    @cached_property
    def schedules(self) -> Schedules | None:
        """The stack's schedules (the `schedules` output: empty, or absent in older stacks, when it has none)."""
        s = self.outputs.get("schedules")
        if not s:
            return None
        return Schedules(s["group"], s["dlqUrl"], tuple(sorted(s["schedules"].items())))

    def consumer(self, name: str) -> Consumer:
        """A consumer with a queue or a function (dlq redrive and tasks)."""
        for c in self.consumers:
            if c.name == name:
                return c
        for f in self.forwards:
            if f.name == name:
                raise OpsError(
                    f"consumer {name!r} forwards to event bus {f.bus}: it has no queue and no function of this stack, "
                    "so this command does not apply (its DLQ: dlq peek and dlq purge)"
                )
        raise self._unknown(name, dlq=True)

    def consumer_or_forward(self, name: str) -> Consumer | Forward:
        """A consumer, or a forward, by name (replay: what both have)."""
        for owner in [*self.consumers, *self.forwards]:
            if owner.name == name:
                return owner
        raise self._unknown(name, dlq=False)

    def dlq_owner(self, name: str) -> Consumer | Forward | Schedules:
        """Whose dead-letter queue a `dlq` command names: a consumer's, a forward's, or (`schedules`) the schedules'."""
        if name == SCHEDULES and self.schedules is not None:
            return self.schedules
        for owner in [*self.consumers, *self.forwards]:
            if owner.name == name:
                return owner
        raise self._unknown(name, dlq=True)

    def _unknown(self, name: str, *, dlq: bool) -> OpsError:
        known = [c.name for c in self.consumers] + [f"{f.name} (forwards)" for f in self.forwards]
        if dlq and self.schedules is not None:
            known.append(f"{SCHEDULES} (the schedules' DLQ)")
        hint = "; it has no messaging:schedules, so no schedules DLQ" if dlq and name == SCHEDULES else ""
        return OpsError(f"unknown consumer {name!r}; this stack's consumers are: {', '.join(known)}{hint}")

    # ------------------------------------------------------------ discovery
    def queue_attributes(self, url: str, *names: str) -> dict[str, str]:
        return self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"])[
            "Attributes"
        ]

    def queue_depth(self, url: str) -> int:
        return depth(self.queue_attributes(url, *DEPTH_ATTRIBUTES))

    def queue_arn(self, url: str) -> str:
        return self.queue_attributes(url, "QueueArn")["QueueArn"]

    @cached_property
    def bus(self) -> dict[str, str]:
        """The event bus the producer puts to (eventbridge only): name and ARN."""
        if self.channel.get("kind") != "events":
            raise OpsError(
                f"this stack's topology is {self.topology}: it has no event bus and no archive "
                "(replay needs messaging:topology eventbridge)"
            )
        name = str(self.channel["target"])
        bus = self.client("events").describe_event_bus(Name=name)
        return {"name": bus["Name"], "arn": bus["Arn"]}

    def rules_for(self, consumer: Consumer | Forward, bus: str) -> list[dict[str, str]]:
        """The rules on ``bus`` that deliver to the consumer (its queue, or its function if direct), or forward to
        its bus (ListRuleNamesByTarget)."""
        events = self.client("events")
        names: list[str] = []
        if isinstance(consumer, Forward):
            target = consumer.bus
        elif consumer.queue_url is None:
            target = self.client("lambda").get_function(FunctionName=consumer.function)["Configuration"]["FunctionArn"]
        else:
            target = self.queue_arn(consumer.queue_url)
        kwargs: dict[str, Any] = {"TargetArn": target, "EventBusName": bus}
        while True:
            page = events.list_rule_names_by_target(**kwargs)
            names += page.get("RuleNames", [])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return [{"name": n, "arn": events.describe_rule(Name=n, EventBusName=bus)["Arn"]} for n in names]
