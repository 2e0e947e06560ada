"""Consumer: one SQS queue with its dead-letter queue and their one policy each,
the shared consumer Lambda reading the queue through an event source mapping,
and an alarm on the DLQ.

A direct consumer (`delivery: direct`) has no queue and no mapping: SNS or
EventBridge invokes its function asynchronously (the topology creates the
subscription or target and the Lambda permission); its DLQ takes what the
service could not deliver and, as the function's dead-letter queue, what still
failed after Lambda's own retries.

Consumers are built outside every topology component, with names and parents
that never depend on the topology, so switching topology updates ingress and
policies but never replaces a queue (a replaced queue loses its messages).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env, policies
from components.config import ConsumerConfig
from components.lambda_function import FunctionSpec, create_function
from components.queues import QueueSpec, create_dead_letter_queue, create_queue, create_queue_policy
from components.topologies.base import resolved_grants


@dataclass(frozen=True, kw_only=True)
class ConsumerComponentArgs:
    consumer: ConsumerConfig  # the validated tuning of this consumer
    account_id: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    tags: Mapping[str, str]  # the stack's; the consumer adds its own name
    # Which services may send to the queue and DLQ, from which sources (the topologies' grants).
    grants: Sequence[policies.SendGrant] = ()
    fifo: bool = defaults.FIFO
    queue_retention_days: int = defaults.QUEUE_RETENTION_DAYS
    dlq_retention_days: int = defaults.DLQ_RETENTION_DAYS
    log_retention_days: int = defaults.LOG_RETENTION_DAYS
    production: bool = defaults.PRODUCTION  # protect and retain the queue and DLQ
    idempotency_table_name: pulumi.Input[str] | None = None
    idempotency_table_arn: pulumi.Input[str] | None = None
    idempotency_ttl_seconds: int = defaults.IDEMPOTENCY_TTL_SECONDS
    kms_key_arn: pulumi.Input[str] | None = None
    code_root: Path | None = None  # the team's code folder, shipped beside the runtime; None: the runtime alone
    dependencies_layer_arn: pulumi.Input[str] | None = None  # the stack's layer of the team's dependencies


class Consumer(pulumi.ComponentResource):
    """A queue + DLQ + consumer function, wired for partial batch responses."""

    TYPE = "messaging:consumer:Consumer"

    queue_url: pulumi.Output[str] | None  # None for a direct consumer
    queue_arn: pulumi.Output[str] | None
    queue_name: pulumi.Output[str] | None
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ConsumerComponentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        cfg = args.consumer
        self.consumer_name = cfg.name
        tags = {**args.tags, "consumer": cfg.name}
        queues = {
            "fifo": args.fifo,
            "kms_key_arn": args.kms_key_arn,
            "tags": tags,
            "protect": args.production,
            "retain_on_delete": args.production,
        }
        # Children of the consumer, never of a topology, so a switch updates them in place: during a
        # switch Pulumi would create a new policy and then delete the old one, wiping the queue's policy.
        sources = resolved_grants(args.grants)
        dead_letters = create_dead_letter_queue(
            f"{name}-dlq",
            QueueSpec(retention_days=args.dlq_retention_days, **queues),
            account_id=args.account_id,
            grants=sources,
            alarm_description=f"Messages for consumer {cfg.name} are in its dead-letter queue",
            alarm_topic_arn=args.alarm_topic_arn,
            parent=self,
        )
        self.dlq, self.dlq_alarm = dead_letters.queue, dead_letters.alarm
        self.policies = [dead_letters.policy]
        self.queue: aws.sqs.Queue | None = None
        self.event_source_mapping: aws.lambda_.EventSourceMapping | None = None
        if not cfg.direct:
            self.queue = create_queue(
                f"{name}-queue",
                QueueSpec(
                    retention_days=args.queue_retention_days,
                    visibility_timeout_seconds=cfg.visibility_timeout_seconds,
                    dead_letter_arn=self.dlq.arn,
                    max_receive_count=cfg.max_receive_count,
                    **queues,
                ),
                self,
            )
            self.policies.append(
                create_queue_policy(
                    f"{name}-queue-policy", self.queue, account_id=args.account_id, grants=sources, parent=self
                )
            )

        environment: dict[str, pulumi.Input[str]] = {
            lambda_env.CONSUMER: cfg.name,
            lambda_env.PROCESSOR: cfg.processor,
            lambda_env.FIFO: lambda_env.flag(args.fifo),
            lambda_env.SERVICE_NAME: cfg.name,
            lambda_env.LOG_LEVEL: defaults.LOG_LEVEL,
        }
        if args.idempotency_table_name is not None:
            environment[lambda_env.IDEMPOTENCY_TABLE] = args.idempotency_table_name
            environment[lambda_env.IDEMPOTENCY_TTL_SECONDS] = str(args.idempotency_ttl_seconds)

        fn = create_function(
            name,
            FunctionSpec(
                handler=defaults.CONSUMER_HANDLER,
                timeout_seconds=cfg.timeout_seconds,
                memory_mb=cfg.memory_mb,
                environment=environment,
                log_retention_days=args.log_retention_days,
                code_root=args.code_root,
                dependencies_layer_arn=args.dependencies_layer_arn,
                tags=tags,
                # Direct: what still fails after Lambda's own retries goes to the consumer's DLQ.
                dead_letter_arn=self.dlq.arn if cfg.direct else None,
            ),
            parent=self,
            role_policy=lambda log_group_arn: pulumi.Output.all(
                self.queue.arn if self.queue is not None else None,
                self.dlq.arn if cfg.direct else None,
                log_group_arn,
                args.idempotency_table_arn,
                args.kms_key_arn,
            ).apply(
                lambda a: json.dumps(
                    policies.consumer_role_policy(
                        queue_arn=a[0],
                        dead_letter_arn=a[1],
                        log_group_arn=a[2],
                        table_arn=a[3],
                        kms_key_arn=a[4],
                    )
                )
            ),
        )
        self.function = fn.function
        self.role_policy = fn.role_policy
        if self.queue is not None:
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
        else:
            # Lambda's asynchronous retries of a raising invocation, set explicitly rather than left implicit.
            self.async_config = aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async-config",
                function_name=fn.function.name,
                maximum_retry_attempts=defaults.LAMBDA_ASYNC_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=defaults.LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS,
                opts=pulumi.ResourceOptions(parent=self),
            )
        # A direct consumer has no queue: its queue outputs are None (components.messaging exports "direct").
        self.delivery = cfg.delivery
        self.queue_url = self.queue.url if self.queue is not None else None
        self.queue_arn = self.queue.arn if self.queue is not None else None
        self.queue_name = self.queue.name if self.queue is not None else None
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
