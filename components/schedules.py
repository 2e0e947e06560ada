"""Schedules: EventBridge Scheduler schedules that invoke the producer with a fixed envelope (messaging:schedules).

One schedule group per stack holds one schedule per entry, each invoking the
producer function (flexible time window off, so it runs at the time given)
with `scheduler_input(...)`; Scheduler assumes one execution role that may only
invoke the producer and send dead letters. What fails lands in one DLQ, with an
alarm on its depth: an Invoke that Scheduler could not make (after its retry
policy), and a producer run that kept failing (Scheduler invokes Lambda
asynchronously: Lambda retries the run and then sends its record to the DLQ,
the producer's on-failure destination).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, schedule_policies
from components.queues import create_dead_letter_queue, standard_dead_letter_spec
from components.schedule_config import ScheduleConfig, scheduler_input


@dataclass(frozen=True, kw_only=True)
class SchedulesArgs:
    schedules: Sequence[ScheduleConfig]
    producer_function_name: pulumi.Input[str]
    producer_function_arn: pulumi.Input[str]
    producer_role_name: pulumi.Input[str]  # granted sending to the DLQ, its on-failure destination
    account_id: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    dlq_retention_days: int = defaults.DLQ_RETENTION_DAYS
    production: bool = defaults.PRODUCTION  # the DLQ holds failure records: protected and retained
    kms_key_arn: pulumi.Input[str] | None = None
    max_event_age_seconds: int = defaults.SCHEDULE_MAX_EVENT_AGE_SECONDS
    max_retry_attempts: int = defaults.SCHEDULE_MAX_RETRY_ATTEMPTS
    async_retry_attempts: int = defaults.SCHEDULE_ASYNC_RETRY_ATTEMPTS


class Schedules(pulumi.ComponentResource):
    """A schedule group, its execution role, its DLQ (with alarm) and one schedule per envelope."""

    TYPE = "messaging:schedules:Schedules"

    group_name: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    dlq_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    schedule_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: SchedulesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        group = aws.scheduler.ScheduleGroup(f"{name}-group", tags=tags, opts=child)
        # TLS only: the senders are this account's roles (Scheduler's and the producer's), allowed by their policies.
        dead_letters = create_dead_letter_queue(
            f"{name}-dlq",
            standard_dead_letter_spec(
                retention_days=args.dlq_retention_days,
                kms_key_arn=args.kms_key_arn,
                tags=tags,
                production=args.production,
            ),
            account_id=args.account_id,
            grants=[],
            alarm_description="messaging: a scheduled envelope was not published (its invocation or its producer run "
            f"failed); read the dead letters in {name}-dlq",
            alarm_topic_arn=args.alarm_topic_arn,
            parent=self,
        )
        dlq, dlq_policy = dead_letters.queue, dead_letters.policy
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.all(args.account_id, group.arn).apply(
                lambda a: json.dumps(schedule_policies.scheduler_assume_role_policy(a[0], a[1]))
            ),
            tags=tags,
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=role.id,
            policy=pulumi.Output.all(args.producer_function_arn, dlq.arn, args.kms_key_arn).apply(
                lambda a: json.dumps(
                    schedule_policies.scheduler_role_policy(function_arn=a[0], dlq_arn=a[1], kms_key_arn=a[2])
                )
            ),
            opts=child,
        )
        producer_grant = aws.iam.RolePolicy(
            f"{name}-producer-dead-letters",
            role=args.producer_role_name,
            policy=pulumi.Output.all(dlq.arn, args.kms_key_arn).apply(
                lambda a: json.dumps(schedule_policies.producer_dead_letter_policy(dlq_arn=a[0], kms_key_arn=a[1]))
            ),
            opts=child,
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-producer-async",
            function_name=args.producer_function_name,
            maximum_retry_attempts=args.async_retry_attempts,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(destination=dlq.arn)
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[producer_grant, dlq_policy]),
        )
        schedules = {
            s.name: aws.scheduler.Schedule(
                f"{name}-schedule-{s.name}",
                name=s.name,
                group_name=group.name,
                description=f"messaging: publishes the {s.envelope['type']} envelope on {s.schedule}",
                schedule_expression=s.schedule,
                flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                target=aws.scheduler.ScheduleTargetArgs(
                    arn=args.producer_function_arn,
                    role_arn=role.arn,
                    input=json.dumps(scheduler_input(s), separators=(",", ":"), sort_keys=True),
                    dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dlq.arn),
                    retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_event_age_in_seconds=args.max_event_age_seconds,
                        maximum_retry_attempts=args.max_retry_attempts,
                    ),
                ),
                # The first run must find the role able to invoke, and its failures a queue that takes them.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, dlq_policy]),
            )
            for s in args.schedules
        }
        self.group_name = group.name
        self.dlq_url = dlq.url
        self.dlq_arn = dlq.arn
        self.dlq_name = dlq.name
        self.role_arn = role.arn
        self.schedule_arns = pulumi.Output.all(**{n: s.arn for n, s in schedules.items()})
        self.register_outputs(
            {
                "group_name": self.group_name,
                "dlq_url": self.dlq_url,
                "dlq_arn": self.dlq_arn,
                "dlq_name": self.dlq_name,
                "role_arn": self.role_arn,
                "schedule_arns": self.schedule_arns,
            }
        )
