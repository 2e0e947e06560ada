"""EventBridge: a custom bus with an archive, one rule and SQS target per consumer."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env, policies, routing
from components.topology import Channel, TopologyArgs


class EventBridge(pulumi.ComponentResource):
    """Custom event bus -> rules -> SQS queues. Each consumer's `match`
    becomes its rule's event pattern; failed deliveries go to its DLQ."""

    TYPE = "messaging:topology:EventBridge"

    bus_name: pulumi.Output[str]
    bus_arn: pulumi.Output[str]
    archive_name: pulumi.Output[str]
    rule_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        stack = args.stack
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", tags=stack.tags, opts=child)
        # Keeps every event for replay after a consumer bug (0 days = forever).
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            event_source_arn=self.bus.arn,
            retention_days=stack.archive_retention_days,
            opts=child,
        )

        rules = {}
        for consumer in args.consumers:
            consumer_name = consumer.config.name
            rule = aws.cloudwatch.EventRule(
                f"{name}-{consumer_name}-rule",
                event_bus_name=self.bus.name,
                event_pattern=json.dumps(routing.event_pattern(consumer.config.match)),
                tags=stack.tags,
                opts=child,
            )
            queue_policies = consumer.accept_from(policies.EVENTS_PRINCIPAL, [rule.arn])
            aws.cloudwatch.EventTarget(
                f"{name}-{consumer_name}-target",
                rule=rule.name,
                # A target without the rule's bus name silently attaches to the default bus.
                event_bus_name=self.bus.name,
                arn=consumer.queue_arn,
                dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=consumer.dlq_arn),
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS,
                    maximum_retry_attempts=defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=queue_policies),
            )
            rules[consumer_name] = rule.arn

        self.channel = Channel(lambda_env.CHANNEL_EVENTS, self.bus.name, self.bus.arn)
        self.bus_name = self.bus.name
        self.bus_arn = self.bus.arn
        self.archive_name = self.archive.name
        self.rule_arns = pulumi.Output.all(**rules)
        self.register_outputs({
            "bus_name": self.bus_name,
            "bus_arn": self.bus_arn,
            "archive_name": self.archive_name,
            "rule_arns": self.rule_arns,
        })
