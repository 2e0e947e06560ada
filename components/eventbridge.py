"""EventBridge: a custom bus with an archive, one rule and SQS target per consumer."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env, policies, routing
from components.alarms import create_dlq_alarm
from components.consumer import queue_encryption
from components.topology import Channel, TopologyArgs


class EventBridge(pulumi.ComponentResource):
    """Custom event bus -> rules -> SQS queues. Each consumer's `match`
    becomes its rule's event pattern; failed deliveries go to a DLQ."""

    TYPE = "messaging:topology:EventBridge"

    bus_name: pulumi.Output[str]
    bus_arn: pulumi.Output[str]
    archive_name: pulumi.Output[str]
    rule_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        stack = args.stack
        tags = stack.tags_for(name)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", tags=tags, opts=child)
        # Keeps every event for replay after a consumer bug (0 days = forever).
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            event_source_arn=self.bus.arn,
            retention_days=stack.archive_retention_days,
            opts=child,
        )
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        for consumer in args.consumers:
            consumer_name = consumer.config.name
            self.rules[consumer_name] = aws.cloudwatch.EventRule(
                f"{name}-{consumer_name}-rule",
                # Rule names are unique per bus, and the bus is this stack's: the consumer's name
                # fits where an auto-name (logical name + suffix) could pass EventBridge's 64 characters.
                name=consumer_name,
                event_bus_name=self.bus.name,
                event_pattern=json.dumps(routing.event_pattern(consumer.config.match)),
                tags=tags,
                opts=child,
            )

        # EventBridge dead-letters only to standard queues: under FIFO, failed deliveries
        # go to one standard queue of this component instead of the consumers' FIFO DLQs.
        self.delivery_dlq = None
        self.delivery_dlq_policy = None
        if stack.fifo:
            self.delivery_dlq = aws.sqs.Queue(
                f"{name}-delivery-dlq",
                message_retention_seconds=stack.dlq_retention_days * defaults.SECONDS_PER_DAY,
                tags=tags,
                **queue_encryption(args.kms_key_arn),
                # Leaving eventbridge must not delete undelivered events: the queue stays in the
                # account. Retained rather than protected, so the switch itself is not blocked.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            self.delivery_dlq_policy = aws.sqs.QueuePolicy(
                f"{name}-delivery-dlq-policy",
                queue_url=self.delivery_dlq.url,
                policy=pulumi.Output.all(
                    self.delivery_dlq.arn, args.account_id, *[r.arn for r in self.rules.values()]
                ).apply(
                    lambda a: json.dumps(
                        policies.queue_policy(
                            a[0],
                            a[1],
                            [policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=tuple(a[2:]))],
                        )
                    )
                ),
                opts=child,
            )
            create_dlq_alarm(
                f"{name}-delivery-dlq-alarm",
                queue_name=self.delivery_dlq.name,
                description="Events EventBridge could not deliver to a FIFO consumer queue",
                topic_arn=args.alarm_topic_arn,
                tags=tags,
                parent=self,
            )

        self.channel = Channel(lambda_env.CHANNEL_EVENTS, self.bus.name, self.bus.arn)
        self.service_grants = [
            policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=tuple(r.arn for r in self.rules.values()))
        ]

    def grant_for(self, consumer_name: str) -> policies.SendGrant:
        """A consumer's queue and DLQ accept events from that consumer's rule only."""
        return policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=(self.rules[consumer_name].arn,))

    def connect(self, key_policy: pulumi.Resource | None = None) -> None:
        """One target per rule, once the queue policies (and the key policy) allow it."""
        stack = self._args.stack
        for consumer in self._args.consumers:
            consumer_name = consumer.config.name
            rule = self.rules[consumer_name]
            ready = [*consumer.policies, *filter(None, [key_policy, self.delivery_dlq_policy])]
            aws.cloudwatch.EventTarget(
                f"{self._name}-{consumer_name}-target",
                rule=rule.name,
                # A target without the rule's bus name silently attaches to the default bus.
                event_bus_name=self.bus.name,
                arn=consumer.queue_arn,
                dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                    arn=self.delivery_dlq.arn if self.delivery_dlq is not None else consumer.dlq_arn
                ),
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS,
                    maximum_retry_attempts=defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
                ),
                # SQS targets take one static group id: a FIFO consumer sees events in bus order.
                sqs_target=aws.cloudwatch.EventTargetSqsTargetArgs(message_group_id=consumer_name)
                if stack.fifo
                else None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
            )

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
