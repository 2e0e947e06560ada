"""EventBridge: a custom bus with an archive, one rule and target per consumer (its queue, or its function
for a direct consumer)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import dashboard, defaults, lambda_env, policies, routing
from components.alarms import create_metric_alarm
from components.queues import QueueSpec, create_dead_letter_queue
from components.topologies.base import Channel, Endpoint, RouteSpec, Topology, TopologyArgs, resolved_grants


def target_retry_policy(route: RouteSpec) -> dict[str, int]:
    """How long EventBridge retries a failed delivery to the consumer's target: its keys, else the defaults."""
    attempts, age = route.maximum_retry_attempts, route.maximum_event_age_in_seconds
    return {
        "maximum_retry_attempts": defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS if attempts is None else attempts,
        "maximum_event_age_in_seconds": defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS if age is None else age,
    }


@dataclass(frozen=True, kw_only=True)
class EventBridgeArgs(TopologyArgs):
    archive_retention_days: int = defaults.ARCHIVE_RETENTION_DAYS
    dlq_retention_days: int = defaults.DLQ_RETENTION_DAYS  # the FIFO delivery DLQ
    schema_discovery: bool = defaults.SCHEMA_DISCOVERY  # infer schemas from the events on the bus
    alarm_topic_arn: pulumi.Input[str]  # notified of failed deliveries, and when the FIFO delivery DLQ holds a message


class EventBridge(Topology):
    """Custom event bus -> rules -> SQS queues. Each consumer's `match`
    becomes its rule's event pattern; failed deliveries go to a DLQ."""

    TYPE = "messaging:topology:EventBridge"
    KIND = "eventbridge"

    bus_name: pulumi.Output[str]
    bus_arn: pulumi.Output[str]
    archive_name: pulumi.Output[str]
    rule_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: EventBridgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, opts)
        self._name = name
        self._args = args
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        # With a stack key, events on the bus and in its archive are encrypted with it (AWS-owned key otherwise).
        encrypted = {"kms_key_identifier": args.kms_key_arn} if args.kms_key_arn is not None else {}
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", tags=tags, **encrypted, opts=child)
        # Keeps every event for replay after a consumer bug (0 days = forever).
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            event_source_arn=self.bus.arn,
            retention_days=args.archive_retention_days,
            **encrypted,
            opts=child,
        )
        if args.schema_discovery:
            aws.schemas.Discoverer(
                f"{name}-discoverer",
                source_arn=self.bus.arn,
                description="infers a schema for each event type on the bus",
                tags=tags,
                opts=child,
            )
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        for route in args.routes:
            self.rules[route.name] = aws.cloudwatch.EventRule(
                f"{name}-{route.name}-rule",
                # Rule names are unique per bus, and the bus is this stack's: the consumer's name
                # fits where an auto-name (logical name + suffix) could pass EventBridge's 64 characters.
                name=route.name,
                event_bus_name=self.bus.name,
                event_pattern=json.dumps(routing.event_pattern(route.match)),
                tags=tags,
                opts=child,
            )

        ingress = dashboard.IngressNames(
            kind=self.KIND, bus_name=self.bus.name, rules=tuple((c, r.name) for c, r in self.rules.items())
        )
        for spec in dashboard.ingress_alarms(ingress):
            create_metric_alarm(f"{name}-{spec.role}", spec, topic_arn=args.alarm_topic_arn, tags=tags, parent=self)

        # EventBridge dead-letters only to standard queues: under FIFO, failed deliveries
        # go to one standard queue of this component instead of the consumers' FIFO DLQs.
        self.delivery_dlq: aws.sqs.Queue | None = None
        self.delivery_dlq_policy: aws.sqs.QueuePolicy | None = None
        if args.fifo:
            delivery_dlq = create_dead_letter_queue(
                f"{name}-delivery-dlq",
                QueueSpec(
                    retention_days=args.dlq_retention_days,
                    fifo=False,
                    kms_key_arn=args.kms_key_arn,
                    tags=tags,
                    # Leaving eventbridge must not delete undelivered events: the queue stays in the
                    # account. Retained rather than protected, so the switch itself is not blocked.
                    retain_on_delete=True,
                ),
                account_id=args.account_id,
                grants=resolved_grants(self.service_grants),
                alarm_description="Events EventBridge could not deliver to a FIFO consumer queue",
                alarm_topic_arn=args.alarm_topic_arn,
                parent=self,
            )
            self.delivery_dlq, self.delivery_dlq_policy = delivery_dlq.queue, delivery_dlq.policy

        self.bus_name = self.bus.name
        self.bus_arn = self.bus.arn
        self.archive_name = self.archive.name
        self.rule_arns = pulumi.Output.all(**{n: r.arn for n, r in self.rules.items()})
        self.register_outputs(
            {
                "bus_name": self.bus_name,
                "bus_arn": self.bus_arn,
                "archive_name": self.archive_name,
                "rule_arns": self.rule_arns,
            }
        )

    @property
    def service_grants(self) -> Sequence[policies.SendGrant]:
        return [
            policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=tuple(r.arn for r in self.rules.values()))
        ]

    @property
    def encrypted_sources(self) -> Sequence[pulumi.Output[str]]:
        """The bus, when the stack key encrypts it and its archive."""
        return [self.bus.arn] if self._args.kms_key_arn is not None else []

    def grant_for(self, consumer_name: str) -> policies.SendGrant:
        """A consumer's queue and DLQ accept events from that consumer's rule only."""
        return policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=(self.rules[consumer_name].arn,))

    def _connect(self, endpoints: Sequence[Endpoint]) -> Channel:
        """One target per rule, once the queue policies (and the key policy) allow it."""
        routes = {route.name: route for route in self._args.routes}
        for endpoint in endpoints:
            rule = self.rules[endpoint.name]
            route = routes[endpoint.name]
            ready = [*endpoint.wait_for, *filter(None, [self.delivery_dlq_policy])]
            if route.direct:
                # EventBridge invokes the function, allowed by a permission for this rule only.
                ready.append(
                    aws.lambda_.Permission(
                        f"{self._name}-{endpoint.name}-permission",
                        action=policies.INVOKE_ACTION,
                        function=endpoint.function_name,
                        principal=policies.EVENTS_PRINCIPAL,
                        source_arn=rule.arn,
                        opts=pulumi.ResourceOptions(parent=self),
                    )
                )
            aws.cloudwatch.EventTarget(
                f"{self._name}-{endpoint.name}-target",
                rule=rule.name,
                # A target without the rule's bus name silently attaches to the default bus.
                event_bus_name=self.bus.name,
                arn=endpoint.function_arn if route.direct else endpoint.queue_arn,
                dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                    arn=self.delivery_dlq.arn if self.delivery_dlq is not None else endpoint.dlq_arn
                ),
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(**target_retry_policy(route)),
                # SQS targets take one static group id: a FIFO consumer sees events in bus order.
                sqs_target=aws.cloudwatch.EventTargetSqsTargetArgs(message_group_id=endpoint.name)
                if self._args.fifo
                else None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
            )
        return Channel(lambda_env.CHANNEL_EVENTS, self.bus.name, self.bus.arn)
