"""Fan-out: one SNS topic, one filtered subscription per consumer queue."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env, policies, routing
from components.topology import Channel, TopologyArgs


class Fanout(pulumi.ComponentResource):
    """SNS topic -> SQS queues. Each consumer's `match` becomes its
    subscription's filter policy, evaluated on the message body (the envelope)."""

    TYPE = "messaging:topology:Fanout"

    topic_arn: pulumi.Output[str]
    subscription_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        stack = args.stack
        tags = stack.tags_for(name)
        fifo = {"fifo_topic": True, "content_based_deduplication": True} if stack.fifo else {}
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id=args.kms_key_arn if args.kms_key_arn is not None else defaults.AWS_MANAGED_SNS_KEY,
            tags=tags,
            **fifo,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda a: json.dumps(policies.topic_policy(a[0], a[1]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.channel = Channel(lambda_env.CHANNEL_SNS, self.topic.arn, self.topic.arn)
        self.service_grants = [policies.SendGrant(service=policies.SNS_PRINCIPAL, source_arns=(self.topic.arn,))]

    def grant_for(self, consumer_name: str) -> policies.SendGrant:
        """Every consumer's queue (and DLQ, for SNS redrive) accepts this topic."""
        return self.service_grants[0]

    def connect(self, key_policy: pulumi.Resource | None = None) -> None:
        """One subscription per consumer, once its queue policies (and the key policy) allow the topic."""
        subscriptions = {}
        for consumer in self._args.consumers:
            consumer_name = consumer.config.name
            match = consumer.config.match
            filtered = (
                {}
                if match is None
                else {
                    "filter_policy": json.dumps(routing.filter_policy(match)),
                    "filter_policy_scope": "MessageBody",
                }
            )
            subscription = aws.sns.TopicSubscription(
                f"{self._name}-{consumer_name}-subscription",
                topic=self.topic.arn,
                protocol="sqs",
                endpoint=consumer.queue_arn,
                raw_message_delivery=self._args.stack.raw_delivery,
                # Messages SNS cannot deliver go to the consumer's DLQ instead of being dropped.
                redrive_policy=consumer.dlq_arn.apply(lambda arn: json.dumps(policies.redrive_policy(arn))),
                **filtered,
                # Without the policies in place, the first deliveries fail.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*consumer.policies, *filter(None, [key_policy])]),
            )
            subscriptions[consumer_name] = subscription.arn

        self.topic_arn = self.topic.arn
        self.subscription_arns = pulumi.Output.all(**subscriptions)
        self.register_outputs({"topic_arn": self.topic_arn, "subscription_arns": self.subscription_arns})
