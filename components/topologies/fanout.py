"""Fan-out: one SNS topic, one filtered subscription per consumer queue (or, for a direct consumer, its function)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import dashboard, defaults, lambda_env, policies, routing
from components.alarms import create_metric_alarm
from components.topologies.base import Channel, Endpoint, Topology, TopologyArgs


@dataclass(frozen=True, kw_only=True)
class FanoutArgs(TopologyArgs):
    raw_delivery: bool = defaults.RAW_DELIVERY
    alarm_topic_arn: pulumi.Input[str] | None = None  # notified of deliveries SNS gave up on (None: no alarm)


class Fanout(Topology):
    """SNS topic -> SQS queues. Each consumer's `match` becomes its
    subscription's filter policy, evaluated on the message body (the envelope)."""

    TYPE = "messaging:topology:Fanout"
    KIND = "fanout"

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: FanoutArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, opts)
        self._name = name
        self._args = args
        fifo = {"fifo_topic": True, "content_based_deduplication": True} if args.fifo else {}
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id=args.kms_key_arn if args.kms_key_arn is not None else defaults.AWS_MANAGED_SNS_KEY,
            tags=dict(args.tags),
            **fifo,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda a: json.dumps(policies.topic_policy(a[0], a[1]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._grant = policies.SendGrant(service=policies.SNS_PRINCIPAL, source_arns=(self.topic.arn,))
        self.subscriptions: dict[str, aws.sns.TopicSubscription] = {}
        if args.alarm_topic_arn is not None:
            for spec in dashboard.ingress_alarms(dashboard.IngressNames(kind=self.KIND, topic_name=self.topic.name)):
                create_metric_alarm(
                    f"{name}-{spec.role}", spec, topic_arn=args.alarm_topic_arn, tags=args.tags, parent=self
                )
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})

    @property
    def service_grants(self) -> Sequence[policies.SendGrant]:
        return [self._grant]

    def grant_for(self, consumer_name: str) -> policies.SendGrant:
        """Every consumer's queue (and DLQ, for SNS redrive) accepts this topic."""
        return self._grant

    def _connect(self, endpoints: Sequence[Endpoint]) -> Channel:
        """One subscription per consumer, once its queue policies (and the key policy) allow the topic."""
        routes = {route.name: route for route in self._args.routes}
        for endpoint in endpoints:
            match = routes[endpoint.name].match
            filtered = (
                {}
                if match is None
                else {
                    "filter_policy": json.dumps(routing.filter_policy(match)),
                    "filter_policy_scope": "MessageBody",
                }
            )
            if routes[endpoint.name].direct:
                self.subscriptions[endpoint.name] = self._lambda_subscription(endpoint, filtered)
                continue
            self.subscriptions[endpoint.name] = aws.sns.TopicSubscription(
                f"{self._name}-{endpoint.name}-subscription",
                topic=self.topic.arn,
                protocol="sqs",
                endpoint=endpoint.queue_arn,
                raw_message_delivery=self._args.raw_delivery,
                # Messages SNS cannot deliver go to the consumer's DLQ instead of being dropped.
                redrive_policy=pulumi.Output.from_input(endpoint.dlq_arn).apply(
                    lambda arn: json.dumps(policies.redrive_policy(arn))
                ),
                **filtered,
                # Without the policies in place, the first deliveries fail.
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(endpoint.wait_for)),
            )
        return Channel(lambda_env.CHANNEL_SNS, self.topic.arn, self.topic.arn)

    def _lambda_subscription(self, endpoint: Endpoint, filtered: dict) -> aws.sns.TopicSubscription:
        """A direct consumer: SNS invokes its function, allowed by a permission for this topic only.

        No raw delivery (SNS has none for Lambda: the function gets the SNS event). What SNS cannot
        deliver (after its own AWS-managed retries) goes to the consumer's DLQ.
        """
        permission = aws.lambda_.Permission(
            f"{self._name}-{endpoint.name}-permission",
            action=policies.INVOKE_ACTION,
            function=endpoint.function_name,
            principal=policies.SNS_PRINCIPAL,
            source_arn=self.topic.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.sns.TopicSubscription(
            f"{self._name}-{endpoint.name}-subscription",
            topic=self.topic.arn,
            protocol="lambda",
            endpoint=endpoint.function_arn,
            redrive_policy=pulumi.Output.from_input(endpoint.dlq_arn).apply(
                lambda arn: json.dumps(policies.redrive_policy(arn))
            ),
            **filtered,
            # Without the permission, SNS cannot invoke the function; without the DLQ policy, nor dead-letter.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*endpoint.wait_for, permission]),
        )
