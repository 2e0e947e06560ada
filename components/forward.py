"""Forward: a consumer that is another event bus (`bus: <event bus ARN>`).

Its rule on the stack's bus (made by the EventBridge topology, with the same
event pattern as any consumer's) targets that bus. EventBridge puts the events
there with a role of this component's own, trusted by EventBridge for exactly
that rule and allowed only `events:PutEvents` on exactly that bus; what it cannot
put after its retry policy goes to a standard dead-letter queue, with an alarm.
The receiving bus must allow the put in its own resource policy (README:
Forwarding to another bus). No queue, no function: nothing of the stack processes
the events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.config import ConfigError
from components.queues import create_dead_letter_queue, standard_dead_letter_spec
from components.topologies.base import resolved_grants


@dataclass(frozen=True, kw_only=True)
class ForwardArgs:
    consumer_name: str
    config_key: str  # where the bus ARN was given (e.g. messaging:consumers[2].bus), for the loop error
    target_bus_arn: str  # validated: an event bus ARN (components/config.py)
    rule_name: pulumi.Input[str]  # the consumer's rule on the stack's bus
    rule_arn: pulumi.Input[str]
    bus_name: pulumi.Input[str]  # the stack's bus: a target needs its rule's bus name
    bus_arn: pulumi.Input[str]  # the stack's bus: forwarding to it would loop
    account_id: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    tags: Mapping[str, str]  # the stack's; the component adds the consumer's name
    dlq_retention_days: int = defaults.DLQ_RETENTION_DAYS
    production: bool = defaults.PRODUCTION  # protect and retain the DLQ
    kms_key_arn: pulumi.Input[str] | None = None
    maximum_retry_attempts: int = defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS
    maximum_event_age_in_seconds: int = defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS


def not_the_own_bus(target_bus_arn: str, own_bus_arn: str, config_key: str) -> str:
    """The target ARN, unless it is the stack's own bus: the rule would put every event it matches back on the
    bus it matched it on, where it matches again, without end."""
    if target_bus_arn == own_bus_arn:
        raise ConfigError(
            f"invalid stack config: {config_key}: {target_bus_arn!r} is this stack's own event bus; forwarding it to "
            "itself would deliver every event it selects again and again; give another bus's ARN, or remove the "
            "consumer"
        )
    return target_bus_arn


class Forward(pulumi.ComponentResource):
    """A rule target that is another event bus, its role, retry policy, DLQ and DLQ alarm."""

    TYPE = "messaging:forward:Forward"

    target_bus_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    dlq_name: pulumi.Output[str]

    def __init__(self, name: str, args: ForwardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self.consumer_name = args.consumer_name
        tags = {**args.tags, "consumer": args.consumer_name}
        child = pulumi.ResourceOptions(parent=self)
        dlq = create_dead_letter_queue(
            f"{name}-dlq",
            standard_dead_letter_spec(
                retention_days=args.dlq_retention_days,
                kms_key_arn=args.kms_key_arn,
                tags=tags,
                production=args.production,
            ),
            account_id=args.account_id,
            grants=resolved_grants(
                [policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=(args.rule_arn,))]
            ),
            alarm_description=f"Events consumer {args.consumer_name} could not put on {args.target_bus_arn}",
            alarm_topic_arn=args.alarm_topic_arn,
            parent=self,
        )
        self.dlq, self.dlq_policy, self.dlq_alarm = dlq.queue, dlq.policy, dlq.alarm
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.all(args.rule_arn, args.account_id).apply(
                lambda a: json.dumps(policies.events_assume_role_policy(rule_arn=a[0], account_id=a[1]))
            ),
            description=f"EventBridge puts the events of rule {args.consumer_name} on {args.target_bus_arn}",
            tags=tags,
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=json.dumps(policies.forward_role_policy(bus_arn=args.target_bus_arn)),
            opts=child,
        )
        target_arn = pulumi.Output.from_input(args.bus_arn).apply(
            lambda own: not_the_own_bus(args.target_bus_arn, own, args.config_key)
        )
        self.target = aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=args.rule_name,
            # A target without the rule's bus name silently attaches to the default bus.
            event_bus_name=args.bus_name,
            arn=target_arn,
            role_arn=self.role.arn,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=self.dlq.arn),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_event_age_in_seconds=args.maximum_event_age_in_seconds,
                maximum_retry_attempts=args.maximum_retry_attempts,
            ),
            # The role must allow the put, and the DLQ accept the rule, before the first event matches.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy, self.dlq_policy]),
        )
        self.target_bus_arn = pulumi.Output.from_input(args.target_bus_arn)
        self.role_arn = self.role.arn
        self.dlq_url = self.dlq.url
        self.dlq_arn = self.dlq.arn
        self.dlq_name = self.dlq.name
        self.register_outputs(
            {
                "target_bus_arn": self.target_bus_arn,
                "role_arn": self.role_arn,
                "dlq_url": self.dlq_url,
                "dlq_arn": self.dlq_arn,
                "dlq_name": self.dlq_name,
            }
        )
