"""Alarms: the topic every DLQ alarm notifies, with an optional email subscription."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.dashboard import AlarmSpec


@dataclass(frozen=True, kw_only=True)
class AlarmsArgs:
    account_id: pulumi.Input[str]
    region: str
    tags: Mapping[str, str]
    alarm_email: str | None = None  # subscribed to the topic when given
    kms_key_arn: pulumi.Input[str] | None = None


class Alarms(pulumi.ComponentResource):
    """An encrypted SNS topic for alarm notifications; operators can subscribe
    their paging or chat tools to it, and `messaging:alarmEmail` subscribes an address."""

    TYPE = "messaging:alarms:Alarms"

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # CloudWatch cannot use the AWS-managed aws/sns key, so without a stack key the
        # alarm topic stays unencrypted; it carries alarm states, never message data.
        self.topic = aws.sns.Topic(
            f"{name}-topic", kms_master_key_id=args.kms_key_arn, tags=dict(args.tags), opts=child
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda a: json.dumps(policies.alarm_topic_policy(a[0], a[1], args.region))
            ),
            opts=child,
        )
        if args.alarm_email is not None:
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})


def create_metric_alarm(
    name: str,
    spec: AlarmSpec,
    *,
    topic_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm on one metric (components/dashboard.py says which) that notifies the alarm topic."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=spec.description,
        namespace=spec.namespace,
        metric_name=spec.metric_name,
        dimensions=spec.dimensions,
        statistic=spec.statistic,
        period=spec.period_seconds,
        evaluation_periods=1,
        threshold=spec.threshold,
        comparison_operator="GreaterThanOrEqualToThreshold",
        # No datapoint means nothing happened: SNS and EventBridge publish failure counts only when there are some.
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_dlq_alarm(
    name: str,
    *,
    queue_name: pulumi.Input[str],
    description: str,
    topic_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm as soon as one message sits in a dead-letter queue."""
    spec = AlarmSpec(
        role="dlq-alarm",
        description=description,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name},
        statistic="Maximum",
        threshold=defaults.DLQ_ALARM_THRESHOLD,
        period_seconds=defaults.DLQ_ALARM_PERIOD_SECONDS,
    )
    return create_metric_alarm(name, spec, topic_arn=topic_arn, tags=tags, parent=parent)
