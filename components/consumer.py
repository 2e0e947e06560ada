"""Consumer: one SQS queue with its dead-letter queue, the shared consumer
Lambda reading it through an event source mapping, and an alarm on the DLQ.

Consumers are built outside every topology component, with names and parents
that never depend on the topology, so switching topology updates ingress and
policies but never replaces a queue (a replaced queue loses its messages).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env, policies
from components import grants as grants_module
from components.alarms import create_dlq_alarm
from components.config import ConsumerConfig, StackConfig
from components.lambda_function import FunctionSpec, create_function


@dataclass(frozen=True, kw_only=True)
class ConsumerArgs:
    config: ConsumerConfig
    stack: StackConfig
    account_id: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    idempotency_table_name: pulumi.Input[str] | None = None
    idempotency_table_arn: pulumi.Input[str] | None = None
    kms_key_arn: pulumi.Input[str] | None = None


def queue_encryption(kms_key_arn: pulumi.Input[str] | None) -> dict:
    """SSE inputs for a queue: SQS-managed keys, or the stack's customer managed key."""
    if kms_key_arn is None:
        return {"sqs_managed_sse_enabled": True}
    return {"kms_master_key_id": kms_key_arn}


def data_options(parent: pulumi.Resource, production: bool) -> pulumi.ResourceOptions:
    """Options for resources that hold messages: protected and retained in production."""
    return pulumi.ResourceOptions(parent=parent, protect=production, retain_on_delete=production)


class Consumer(pulumi.ComponentResource):
    """A queue + DLQ + consumer function, wired for partial batch responses."""

    TYPE = "messaging:consumer:Consumer"

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ConsumerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        self.config = args.config
        cfg, stack = args.config, args.stack
        tags = {**stack.tags, "consumer": cfg.name}
        encryption = queue_encryption(args.kms_key_arn)
        fifo = {"fifo_queue": True, "content_based_deduplication": True} if stack.fifo else {}

        self.dlq = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=stack.dlq_retention_days * defaults.SECONDS_PER_DAY,
            tags=tags,
            **encryption,
            **fifo,
            opts=data_options(self, stack.production),
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=cfg.visibility_timeout_seconds,
            message_retention_seconds=stack.queue_retention_days * defaults.SECONDS_PER_DAY,
            redrive_policy=self.dlq.arn.apply(
                lambda arn: json.dumps(policies.redrive_policy(arn, cfg.max_receive_count))
            ),
            tags=tags,
            **encryption,
            **fifo,
            opts=data_options(self, stack.production),
        )

        environment: dict[str, pulumi.Input[str]] = {
            lambda_env.CONSUMER: cfg.name,
            lambda_env.PROCESSOR: cfg.processor,
            lambda_env.FIFO: lambda_env.flag(stack.fifo),
            lambda_env.SERVICE_NAME: cfg.name,
            lambda_env.LOG_LEVEL: defaults.LOG_LEVEL,
        }
        if args.idempotency_table_name is not None:
            environment[lambda_env.IDEMPOTENCY_TABLE] = args.idempotency_table_name
            environment[lambda_env.IDEMPOTENCY_TTL_SECONDS] = str(stack.idempotency_ttl_seconds)

        fn = create_function(
            name,
            FunctionSpec(
                handler=defaults.CONSUMER_HANDLER,
                timeout_seconds=cfg.timeout_seconds,
                memory_mb=cfg.memory_mb,
                environment=environment,
                region=stack.region,
                log_retention_days=stack.log_retention_days,
                tags=tags,
            ),
            parent=self,
            role_policy=lambda log_group_arn: pulumi.Output.all(
                self.queue.arn,
                log_group_arn,
                args.idempotency_table_arn,
                args.kms_key_arn,
            ).apply(
                lambda a: json.dumps(
                    policies.consumer_role_policy(
                        queue_arn=a[0],
                        log_group_arn=a[1],
                        table_arn=a[2],
                        kms_key_arn=a[3],
                    )
                )
            ),
        )
        self.function = fn.function
        self.role_policy = fn.role_policy
        self.event_source_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-event-source",
            event_source_arn=self.queue.arn,
            function_name=fn.function.arn,
            batch_size=cfg.batch_size,
            maximum_batching_window_in_seconds=cfg.batching_window_seconds,
            # Without this, batchItemFailures is ignored and a failure retries the whole batch.
            function_response_types=["ReportBatchItemFailures"],
            scaling_config=(
                aws.lambda_.EventSourceMappingScalingConfigArgs(maximum_concurrency=cfg.max_concurrency)
                if cfg.max_concurrency is not None
                else None
            ),
            tags=tags,
            # The role must be allowed to read the queue before Lambda starts polling it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy]),
        )
        self.dlq_alarm = create_dlq_alarm(
            f"{name}-dlq-alarm",
            queue_name=self.dlq.name,
            description=f"Messages for consumer {cfg.name} are in its dead-letter queue",
            topic_arn=args.alarm_topic_arn,
            tags=tags,
            parent=self,
        )
        self.policies: list[aws.sqs.QueuePolicy] = []  # written by accept_from

        self.queue_url = self.queue.url
        self.queue_arn = self.queue.arn
        self.queue_name = self.queue.name
        self.dlq_url = self.dlq.url
        self.dlq_arn = self.dlq.arn
        self.function_name = fn.function.name
        self.function_arn = fn.function.arn
        self.register_outputs(
            {
                "queue_url": self.queue_url,
                "queue_arn": self.queue_arn,
                "queue_name": self.queue_name,
                "dlq_url": self.dlq_url,
                "dlq_arn": self.dlq_arn,
                "function_name": self.function_name,
                "function_arn": self.function_arn,
            }
        )

    def accept_from(self, grants: Sequence[policies.SendGrant]) -> list[aws.sqs.QueuePolicy]:
        """Create the one policy of the queue and of the DLQ: TLS only, plus
        sqs:SendMessage for each granted service from exactly its sources (the
        topic or rule that delivers here, and dead-letters here when delivery fails).

        Called once, after the topologies' sources exist. The policies are
        children of this consumer, not of a topology, so a topology switch
        updates them in place: two QueuePolicy resources for one queue would
        overwrite each other, and deleting the old one after creating the new
        one would wipe it.
        """
        if self.policies:
            raise RuntimeError(f"consumer {self._name}: accept_from called twice; a queue has exactly one policy")
        sources = grants_module.resolved(grants)
        for queue, role in ((self.queue, "queue"), (self.dlq, "dlq")):
            self.policies.append(
                aws.sqs.QueuePolicy(
                    f"{self._name}-{role}-policy",
                    queue_url=queue.url,
                    policy=pulumi.Output.all(queue.arn, self._args.account_id, sources).apply(
                        lambda a: json.dumps(policies.queue_policy(a[0], a[1], a[2]))
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return self.policies
