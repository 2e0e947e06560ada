"""Monitoring: the consumers' alarms beside their DLQ alarms, and the stack's dashboard.

Per consumer: the oldest message's age, function errors and throttles, each
notifying the alarm topic. (The deliveries an ingress gives up on alarm in its
topology component, which comes and goes with it.) One CloudWatch dashboard
shows every ingress and consumer, and the schedules' DLQ when the stack has
schedules; its URL is an output. What each alarm and graph watches is plain
data (components/dashboard.py).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import dashboard
from components.alarms import create_metric_alarm
from components.dashboard import ConsumerNames, IngressNames


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    region: str
    dashboard_name: str
    alarm_topic_arn: pulumi.Input[str]
    # Names as the resources give them (Outputs), resolved here for the dashboard body.
    consumers: Sequence[ConsumerNames]
    ingresses: Sequence[IngressNames]
    tags: Mapping[str, str]
    schedules_dlq_name: pulumi.Input[str] | None = None  # the schedules' DLQ (None: the stack has no schedules)


class Monitoring(pulumi.ComponentResource):
    """Alarms on every consumer, and one dashboard for the stack."""

    TYPE = "messaging:monitoring:Monitoring"

    dashboard_name: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for consumer in args.consumers:
            tags = {**args.tags, "consumer": consumer.name}
            for spec in dashboard.consumer_alarms(consumer):
                self.alarms[f"{consumer.name}-{spec.role}"] = create_metric_alarm(
                    f"{name}-{consumer.name}-{spec.role}",
                    spec,
                    topic_arn=args.alarm_topic_arn,
                    tags=tags,
                    parent=self,
                )

        consumers = [_resolved(c, ("queue_name", "dlq_name", "function_name")) for c in args.consumers]
        ingresses = [_resolved(i, ("topic_name", "bus_name", "queue_name", "rules")) for i in args.ingresses]
        count, last = len(consumers), len(consumers) + len(ingresses)
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.all(*consumers, *ingresses, args.schedules_dlq_name).apply(
                lambda resolved: json.dumps(
                    dashboard.dashboard_body(
                        args.region, resolved[:count], resolved[count:last], schedules_dlq_name=resolved[last]
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = self.dashboard.dashboard_name
        self.dashboard_url = self.dashboard.dashboard_name.apply(lambda n: dashboard.dashboard_url(args.region, n))
        self.register_outputs({"dashboard_name": self.dashboard_name, "dashboard_url": self.dashboard_url})


def _resolved(names: ConsumerNames | IngressNames, fields: tuple[str, ...]) -> pulumi.Output:
    """The same names with every Output field known (`rules` pairs keep their consumer names)."""
    inputs = []
    for field in fields:
        value = getattr(names, field)
        if field == "rules":
            inputs.append(pulumi.Output.all(*[pulumi.Output.all(c, r) for c, r in value]))
        else:
            inputs.append(pulumi.Output.from_input(value))
    return pulumi.Output.all(*inputs).apply(
        lambda known: dataclasses.replace(
            names,
            **{f: tuple(tuple(p) for p in v) if f == "rules" else v for f, v in zip(fields, known, strict=True)},
        )
    )
