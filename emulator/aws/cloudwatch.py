"""CloudWatch: log groups, metric alarms and dashboards."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import EmulatorError
from .base import Declared, boolean, gone, json_text, keep, num, refuse_keys, same, tags_of, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def log_group(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {"name", "namePrefix", "retentionInDays", "kmsKeyId", "tags", "logGroupClass", "skipDestroy"},
    )
    lname = m.physical_name(typ, name, inputs)
    kwargs: dict[str, Any] = {"logGroupName": lname}
    if inputs.get("tags"):
        kwargs["tags"] = tags_of(inputs)
    m.c["logs"].create_log_group(**kwargs)
    if inputs.get("retentionInDays"):
        m.c["logs"].put_retention_policy(logGroupName=lname, retentionInDays=num(inputs["retentionInDays"]))
    arn = m.arn("logs", f"log-group:{lname}")
    return lname, {"arn": arn, "name": lname, "id": lname}


def metric_alarm(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    aname = m.physical_name(typ, name, inputs)
    kwargs: dict[str, Any] = {"AlarmName": aname}
    mapping = {
        "comparisonOperator": ("ComparisonOperator", str),
        "evaluationPeriods": ("EvaluationPeriods", num),
        "metricName": ("MetricName", str),
        "namespace": ("Namespace", str),
        "period": ("Period", num),
        "statistic": ("Statistic", str),
        "threshold": ("Threshold", float),
        "alarmDescription": ("AlarmDescription", str),
        "treatMissingData": ("TreatMissingData", str),
        "datapointsToAlarm": ("DatapointsToAlarm", num),
        "alarmActions": ("AlarmActions", list),
        "okActions": ("OKActions", list),
        "insufficientDataActions": ("InsufficientDataActions", list),
        "actionsEnabled": ("ActionsEnabled", boolean),
    }
    for k, (k2, conv) in mapping.items():
        if inputs.get(k) is not None:
            kwargs[k2] = conv(inputs[k])
    if inputs.get("dimensions"):
        kwargs["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in inputs["dimensions"].items()]
    m.alarms.append({"name": aname, "resource": name, "kwargs": kwargs})
    try:
        m.c["cloudwatch"].put_metric_alarm(**kwargs)
    except Exception:  # noqa: BLE001 - an alarm the embedded CloudWatch rejects is recorded only
        pass
    arn = m.arn("cloudwatch", f"alarm:{aname}")
    return aname, {"arn": arn, "name": aname, "id": aname}


def dashboard(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"dashboardName", "dashboardBody"})
    dname = inputs["dashboardName"]
    body = json_text(inputs["dashboardBody"])
    widgets = json.loads(body).get("widgets")
    if not isinstance(widgets, list):
        raise EmulatorError(f"{typ} {name!r}: the dashboard body has no widgets list")
    m.c["cloudwatch"].put_dashboard(DashboardName=dname, DashboardBody=body)
    arn = f"arn:{m.partition}:cloudwatch::{m.account}:dashboard/{dname}"
    return dname, {"dashboardName": dname, "dashboardArn": arn, "id": dname}


def update_log_group(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "namePrefix", "kmsKeyId", "logGroupClass"):
        return None
    if inputs.get("retentionInDays"):
        m.c["logs"].put_retention_policy(logGroupName=prior.id, retentionInDays=num(inputs["retentionInDays"]))
    elif prior.inputs.get("retentionInDays"):
        m.c["logs"].delete_retention_policy(logGroupName=prior.id)
    return keep(m, typ, name, inputs, prior)  # the logs stay


def delete_log_group(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["logs"].delete_log_group(logGroupName=prior.id)


def delete_alarm(m: AwsMocks, prior: Declared) -> None:
    m.c["cloudwatch"].delete_alarms(AlarmNames=[prior.id])


def delete_dashboard(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["cloudwatch"].delete_dashboards(DashboardNames=[prior.id])


RESOURCES = {
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
}
UPDATES = {
    "aws:cloudwatch/logGroup:LogGroup": update_log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": upsert(metric_alarm),  # PutMetricAlarm creates or replaces
    "aws:cloudwatch/dashboard:Dashboard": upsert(dashboard),
}
DELETES = {
    "aws:cloudwatch/logGroup:LogGroup": delete_log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": delete_alarm,
    "aws:cloudwatch/dashboard:Dashboard": delete_dashboard,
}
