"""CloudWatch: log groups and metric alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import boolean, num, refuse_keys, tags_of

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


RESOURCES = {
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
}
