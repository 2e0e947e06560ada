"""Pulumi mocks that create every declared resource in an embedded moto AWS.

``AwsMocks.new_resource`` receives each resource the program registers
(camelCase inputs, numbers as floats, JSON documents as strings), creates it
in moto, and answers with the real identifiers (queue URLs, ARNs, names).
Unknown ``aws:`` resource types, and inputs the emulator would silently ignore
(an EventBridge input transformer, Lambda filter criteria...), are errors that
name the resource: the emulator never pretends to run something it does not.

Lambda functions, event source mappings and permissions are recorded, not
created in moto (moto's Lambda needs Docker): ``emulator.lambda_service``
runs them.  Routes (SNS subscriptions, EventBridge targets) are created at
once and checked against the resource policies after the whole program has
been declared (``emulator.routes``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import boto3
import pulumi

from .errors import EmulatorError

#: ``program_transform(type, name, inputs)`` may return edited inputs, or
#: ``None`` to drop the resource (it is then registered with Pulumi but not
#: created in the embedded AWS): a way for tests to break one policy.
ProgramTransform = Callable[[str, str, dict], Optional[dict]]


@dataclass
class Declared:
    typ: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any] = field(default_factory=dict)
    dropped: bool = False


@dataclass
class Function:
    resource: str  # Pulumi logical name
    name: str  # physical name
    arn: str
    handler: str
    environment: dict[str, str]
    role: str | None
    timeout: int
    memory: int
    code: Any  # the declared code archive (FileArchive / AssetArchive), or None
    log_group: str
    layers: list[str] = field(default_factory=list)  # layer version ARNs, in order


@dataclass
class Mapping:
    resource: str
    uuid: str
    queue_arn: str
    function: str  # name or ARN as declared
    batch_size: int
    window: int
    report_batch_item_failures: bool
    enabled: bool
    max_concurrency: int | None


@dataclass
class Route:
    """A push delivery the program declared: an SNS subscription or EventBridge target."""

    kind: str  # "sns-subscription" | "eventbridge-target"
    resource: str
    source_arn: str  # topic ARN, or rule ARN
    target_arn: str
    dlq_arn: str | None
    detail: dict[str, Any]  # what is needed to re-create / remove it


def _num(v: Any) -> int:
    return int(round(float(v)))


def _bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def _sbool(v: Any) -> str:
    return "true" if _bool(v) else "false"


def _json_text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _tags(inputs: dict) -> dict[str, str]:
    return {str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}


class AwsMocks(pulumi.runtime.Mocks):
    ACCOUNT = "123456789012"

    def __init__(self, region: str, program_transform: ProgramTransform | None = None):
        self.region = region
        self.account = self.ACCOUNT
        self.partition = "aws"
        self.transform = program_transform
        self._lock = threading.RLock()
        session = boto3.session.Session(region_name=region)
        self.c = {
            svc: session.client(svc, region_name=region)
            for svc in ("sqs", "sns", "events", "iam", "logs", "cloudwatch", "dynamodb", "kms")
        }
        self.resources: list[Declared] = []
        self.errors: list[BaseException] = []
        self._names: set[tuple[str, str]] = set()
        # What the emulator needs afterwards.
        self.queues: dict[str, dict[str, Any]] = {}  # arn -> {url, name, resource, inputs}
        self.queue_policy_owner: dict[str, str] = {}  # queue url -> resource name
        self.topics: dict[str, dict[str, Any]] = {}  # arn -> {...}
        self.rules: dict[str, dict[str, Any]] = {}  # arn -> {name, bus}
        self.kms_keys: dict[str, dict[str, Any]] = {}  # key id -> {arn, policy}
        self.kms_aliases: dict[str, str] = {}  # alias name -> key id
        self.functions: list[Function] = []
        self.layers: dict[str, Any] = {}  # layer version ARN -> its code archive (the program's own layers)
        self.mappings: list[Mapping] = []
        self.permissions: list[dict[str, Any]] = []
        self.routes: list[Route] = []
        self.recorded_only: list[Declared] = []  # e.g. email subscriptions
        self.alarms: list[dict[str, Any]] = []  # {name, resource, kwargs}

    # ------------------------------------------------------------------ helpers
    def _physical_name(self, typ: str, name: str, inputs: dict, *, fifo: bool = False, key: str = "name") -> str:
        explicit = inputs.get(key)
        if explicit:
            return str(explicit)
        prefix = inputs.get("namePrefix")
        base = str(prefix) if prefix else f"{name}-"
        counter = 0
        while True:
            digest = hashlib.sha1(f"{typ}|{name}|{counter}".encode()).hexdigest()[:7]
            candidate = f"{base}{digest}" + (".fifo" if fifo else "")
            if (typ, candidate) not in self._names:
                self._names.add((typ, candidate))
                return candidate
            counter += 1

    def _arn(self, service: str, resource: str, region: bool = True) -> str:
        r = self.region if region else ""
        return f"arn:{self.partition}:{service}:{r}:{self.account}:{resource}"

    @staticmethod
    def _refuse_keys(typ: str, name: str, inputs: dict, allowed: set[str]) -> None:
        extra = sorted(k for k, v in inputs.items() if k not in allowed and v not in (None, {}, [], ""))
        if extra:
            raise EmulatorError(
                f"{typ} {name!r} sets {', '.join(extra)}: the emulator does not implement "
                f"{'this input' if len(extra) == 1 else 'these inputs'} (it would be silently ignored)"
            )

    def _policy_now(self, queue_arn: str) -> str | None:
        """The queue's policy at this point of the deployment (routes created before it lose messages)."""
        queue = self.queues.get(queue_arn)
        if queue is None:
            return None
        attrs = (
            self.c["sqs"].get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["Policy"]).get("Attributes", {})
        )
        return attrs.get("Policy")

    def queue_by_url(self, url: str) -> dict[str, Any] | None:
        return next((q for q in self.queues.values() if q["url"] == url), None)

    def resolve_kms_key(self, key: str | None) -> tuple[str | None, dict[str, Any] | None]:
        """(canonical description, declared key record) for a key id / ARN / alias."""
        if not key:
            return None, None
        if key.startswith("arn:") and ":alias/" in key:
            key = key.split(":", 5)[5]
        if key.startswith("alias/"):
            if key.startswith("alias/aws/"):
                return key, None
            kid = self.kms_aliases.get(key)
            return key, self.kms_keys.get(kid) if kid else None
        kid = key.rsplit("/", 1)[-1] if key.startswith("arn:") else key
        return key, self.kms_keys.get(kid)

    # -------------------------------------------------------------- Pulumi API
    def call(self, args: pulumi.runtime.MockCallArgs):
        tok = args.token
        if tok == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:{self.partition}:iam::{self.account}:user/emulator",
                "userId": "AIDAEMULATOREXAMPLE",
                "id": self.account,
            }
        if tok == "aws:index/getRegion:getRegion":
            return {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "description": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            }
        if tok == "aws:index/getPartition:getPartition":
            return {
                "partition": self.partition,
                "dnsSuffix": "amazonaws.com",
                "id": self.partition,
                "reverseDnsPrefix": "com.amazonaws",
            }
        name = (args.args or {}).get("name", "")
        if tok == "aws:ssm/getParameter:getParameter" and name.startswith("/aws/service/powertools/python/"):
            # AWS's public Powertools layer parameter: /aws/service/powertools/python/<arch>/<runtime>/<version>.
            # Layers are not loaded here (handlers run on the venv's Powertools, the same pinned release),
            # so the answer is the layer's ARN shape with a placeholder layer version.
            _, arch, runtime, _version = name.rsplit("/", 3)
            arn = (
                f"arn:{self.partition}:lambda:{self.region}:017000801446:layer:"
                f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{arch}:1"
            )
            return {
                "name": name,
                "type": "String",
                "value": arn,
                "insecureValue": arn,
                "version": 1,
                "id": name,
                "arn": f"arn:{self.partition}:ssm:{self.region}::parameter{name}",
            }
        err = EmulatorError(f"the emulator does not implement the invoke {tok}")
        self.errors.append(err)
        raise err

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        with self._lock:
            try:
                return self._new_resource(args)
            except BaseException as exc:
                self.errors.append(exc)
                raise

    def _new_resource(self, args: pulumi.runtime.MockResourceArgs):
        typ, name = args.typ, args.name
        inputs = dict(args.inputs or {})
        if self.transform is not None:
            edited = self.transform(typ, name, dict(inputs))
            if edited is None:
                rid = f"{name}-dropped"
                self.resources.append(Declared(typ, name, inputs, rid, dropped=True))
                return rid, inputs
            inputs = edited
        if typ.startswith("pulumi:providers:"):
            return f"{name}-provider", inputs
        if not typ.startswith("aws:"):
            if args.custom:
                raise EmulatorError(f"unsupported resource type {typ} ({name!r}): the emulator only runs AWS resources")
            return f"{name}-component", inputs
        handler = self._HANDLERS.get(typ)
        if handler is None:
            raise EmulatorError(f"unsupported resource type {typ} ({name!r}): the emulator cannot create it")
        rid, outputs = handler(self, typ, name, inputs)
        self.resources.append(Declared(typ, name, inputs, rid, outputs))
        return rid, {**inputs, **outputs}

    # ----------------------------------------------------------------- SQS
    _QUEUE_ATTRS = {
        "fifoQueue": ("FifoQueue", _sbool),
        "contentBasedDeduplication": ("ContentBasedDeduplication", _sbool),
        "visibilityTimeoutSeconds": ("VisibilityTimeout", lambda v: str(_num(v))),
        "messageRetentionSeconds": ("MessageRetentionPeriod", lambda v: str(_num(v))),
        "delaySeconds": ("DelaySeconds", lambda v: str(_num(v))),
        "maxMessageSize": ("MaximumMessageSize", lambda v: str(_num(v))),
        "receiveWaitTimeSeconds": ("ReceiveMessageWaitTimeSeconds", lambda v: str(_num(v))),
        "redrivePolicy": ("RedrivePolicy", _json_text),
        "redriveAllowPolicy": ("RedriveAllowPolicy", _json_text),
        "sqsManagedSseEnabled": ("SqsManagedSseEnabled", _sbool),
        "kmsMasterKeyId": ("KmsMasterKeyId", str),
        "kmsDataKeyReusePeriodSeconds": ("KmsDataKeyReusePeriodSeconds", lambda v: str(_num(v))),
        "deduplicationScope": ("DeduplicationScope", str),
        "fifoThroughputLimit": ("FifoThroughputLimit", str),
        "policy": ("Policy", _json_text),
    }

    def _queue(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, set(self._QUEUE_ATTRS) | {"name", "namePrefix", "tags"})
        fifo = _bool(inputs.get("fifoQueue", False))
        qname = self._physical_name(typ, name, inputs, fifo=fifo)
        if fifo and not qname.endswith(".fifo"):
            raise EmulatorError(f"{typ} {name!r}: a FIFO queue's name must end in .fifo (got {qname!r})")
        if _bool(inputs.get("sqsManagedSseEnabled", False)) and inputs.get("kmsMasterKeyId"):
            raise EmulatorError(
                f"{typ} {name!r}: sqsManagedSseEnabled and kmsMasterKeyId exclude each other (AWS rejects both)"
            )
        attrs = {}
        for key, (attr, conv) in self._QUEUE_ATTRS.items():
            if inputs.get(key) is not None:
                if key == "fifoQueue" and not fifo:
                    continue
                attrs[attr] = conv(inputs[key])
        if attrs.get("RedrivePolicy"):
            rp = json.loads(attrs["RedrivePolicy"])
            if "maxReceiveCount" in rp:
                rp["maxReceiveCount"] = _num(rp["maxReceiveCount"])
            dlq = self.queues.get(rp.get("deadLetterTargetArn"))
            if dlq is None:
                raise EmulatorError(
                    f"{typ} {name!r}: redrivePolicy names dead-letter queue {rp.get('deadLetterTargetArn')!r}, "
                    "which the program did not declare"
                )
            allow = dlq["attrs"].get("RedriveAllowPolicy")
            if allow:
                ap = json.loads(allow)
                perm = ap.get("redrivePermission", "allowAll")
                arn_self = self._arn("sqs", qname)
                if perm == "denyAll" or (perm == "byQueue" and arn_self not in ap.get("sourceQueueArns", [])):
                    raise EmulatorError(
                        f"{typ} {name!r}: dead-letter queue {dlq['name']} does not allow this queue "
                        f"as a source (redriveAllowPolicy {perm})"
                    )
            attrs["RedrivePolicy"] = json.dumps(rp)
        kwargs: dict[str, Any] = {"QueueName": qname, "Attributes": attrs}
        if inputs.get("tags"):
            kwargs["tags"] = _tags(inputs)
        url = self.c["sqs"].create_queue(**kwargs)["QueueUrl"]
        arn = self.c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queues[arn] = {"url": url, "name": qname, "arn": arn, "resource": name, "inputs": inputs, "attrs": attrs}
        if attrs.get("Policy"):
            self.queue_policy_owner[url] = f"{name} (inline policy)"
        return url, {"arn": arn, "url": url, "name": qname, "id": url}

    def _queue_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"queueUrl", "policy"})
        url = inputs.get("queueUrl")
        queue = self.queue_by_url(url)
        if queue is None:
            raise EmulatorError(f"{typ} {name!r}: queueUrl {url!r} is not a queue the program declared")
        owner = self.queue_policy_owner.get(url)
        if owner:
            raise EmulatorError(
                f"{typ} {name!r} and {owner} both set the policy of queue {queue['name']}: "
                "one queue has one policy document, the later one silently replaces the other "
                "(collect every statement into one QueuePolicy)"
            )
        self.queue_policy_owner[url] = name
        policy = _json_text(inputs.get("policy"))
        json.loads(policy)
        self.c["sqs"].set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        return url, {"id": url}

    def _redrive_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"queueUrl", "redrivePolicy"})
        url = inputs.get("queueUrl")
        self.c["sqs"].set_queue_attributes(
            QueueUrl=url, Attributes={"RedrivePolicy": _json_text(inputs["redrivePolicy"])}
        )
        return url, {"id": url}

    def _redrive_allow_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"queueUrl", "redriveAllowPolicy"})
        url = inputs.get("queueUrl")
        self.c["sqs"].set_queue_attributes(
            QueueUrl=url, Attributes={"RedriveAllowPolicy": _json_text(inputs["redriveAllowPolicy"])}
        )
        queue = self.queue_by_url(url)
        if queue:
            queue["attrs"]["RedriveAllowPolicy"] = _json_text(inputs["redriveAllowPolicy"])
        return url, {"id": url}

    # ----------------------------------------------------------------- SNS
    def _topic(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "name",
                "namePrefix",
                "fifoTopic",
                "contentBasedDeduplication",
                "kmsMasterKeyId",
                "tags",
                "displayName",
                "policy",
                "signatureVersion",
                "tracingConfig",
                "archivePolicy",
                "fifoThroughputScope",
            },
        )
        fifo = _bool(inputs.get("fifoTopic", False))
        tname = self._physical_name(typ, name, inputs, fifo=fifo)
        attrs = {}
        if fifo:
            attrs["FifoTopic"] = "true"
        if inputs.get("contentBasedDeduplication") is not None:
            attrs["ContentBasedDeduplication"] = _sbool(inputs["contentBasedDeduplication"])
        if inputs.get("kmsMasterKeyId"):
            attrs["KmsMasterKeyId"] = str(inputs["kmsMasterKeyId"])
        if inputs.get("displayName"):
            attrs["DisplayName"] = str(inputs["displayName"])
        if inputs.get("policy"):
            attrs["Policy"] = _json_text(inputs["policy"])
        kwargs: dict[str, Any] = {"Name": tname, "Attributes": attrs}
        if inputs.get("tags"):
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags(inputs).items()]
        arn = self.c["sns"].create_topic(**kwargs)["TopicArn"]
        self.topics[arn] = {"name": tname, "resource": name, "inputs": inputs, "fifo": fifo}
        return arn, {"arn": arn, "name": tname, "id": arn, "owner": self.account}

    def _topic_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"arn", "policy"})
        self.c["sns"].set_topic_attributes(
            TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=_json_text(inputs["policy"])
        )
        return inputs["arn"], {"id": inputs["arn"], "owner": self.account}

    def _subscription(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "topic",
                "protocol",
                "endpoint",
                "filterPolicy",
                "filterPolicyScope",
                "rawMessageDelivery",
                "redrivePolicy",
                "confirmationTimeoutInMinutes",
                "endpointAutoConfirms",
            },
        )
        topic, protocol, endpoint = inputs.get("topic"), inputs.get("protocol"), inputs.get("endpoint")
        if topic not in self.topics:
            raise EmulatorError(f"{typ} {name!r}: topic {topic!r} is not a topic the program declared")
        if protocol in ("email", "email-json", "sms", "http", "https"):
            # Needs a human (or a web server) to confirm: recorded, never delivered.
            arn = f"{topic}:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
            self.recorded_only.append(Declared(typ, name, inputs, arn))
            return arn, {"arn": arn, "id": arn, "pendingConfirmation": True}
        if protocol == "lambda":
            raise EmulatorError(
                f"{typ} {name!r}: SNS -> Lambda push delivery is not emulated (only SQS event source mappings are)"
            )
        if protocol != "sqs":
            raise EmulatorError(f"{typ} {name!r}: protocol {protocol!r} is not emulated")
        attrs: dict[str, str] = {}
        if inputs.get("filterPolicy"):
            # Scope first: moto validates the policy against the scope already set.
            attrs["FilterPolicyScope"] = str(inputs.get("filterPolicyScope") or "MessageAttributes")
            attrs["FilterPolicy"] = _json_text(inputs["filterPolicy"])
        if _bool(inputs.get("rawMessageDelivery", False)):
            attrs["RawMessageDelivery"] = "true"  # moto treats any non-empty string as true
        dlq = None
        if inputs.get("redrivePolicy"):
            attrs["RedrivePolicy"] = _json_text(inputs["redrivePolicy"])
            dlq = json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn")
        arn = self.c["sns"].subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=endpoint, Attributes=attrs, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        self.routes.append(
            Route(
                "sns-subscription",
                name,
                topic,
                endpoint,
                dlq,
                {"arn": arn, "attributes": attrs, "policy_at_creation": self._policy_now(endpoint)},
            )
        )
        return arn, {"arn": arn, "id": arn, "ownerId": self.account, "confirmationWasAuthenticated": True}

    # ----------------------------------------------------------- EventBridge
    def _event_bus(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"name", "tags", "description", "kmsKeyIdentifier", "deadLetterConfig"})
        bname = self._physical_name(typ, name, inputs)
        arn = self.c["events"].create_event_bus(Name=bname)["EventBusArn"]
        return bname, {"arn": arn, "name": bname, "id": bname}

    def _event_rule(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "name",
                "namePrefix",
                "eventBusName",
                "eventPattern",
                "state",
                "isEnabled",
                "description",
                "tags",
                "roleArn",
                "forceDestroy",
            },
        )
        if not inputs.get("eventPattern"):
            raise EmulatorError(f"{typ} {name!r}: only event-pattern rules are emulated (no scheduleExpression)")
        rname = self._physical_name(typ, name, inputs)
        bus = inputs.get("eventBusName") or "default"
        if bus.startswith("arn:"):
            bus = bus.rsplit("/", 1)[-1]
        state = inputs.get("state") or ("ENABLED" if _bool(inputs.get("isEnabled", True)) else "DISABLED")
        kwargs = dict(Name=rname, EventBusName=bus, EventPattern=_json_text(inputs["eventPattern"]), State=state)
        if inputs.get("description"):
            kwargs["Description"] = inputs["description"]
        arn = self.c["events"].put_rule(**kwargs)["RuleArn"]
        self.rules[arn] = {"name": rname, "bus": bus, "resource": name, "state": state}
        rid = rname if bus == "default" else f"{bus}/{rname}"
        return rid, {"arn": arn, "name": rname, "id": rid, "eventBusName": bus, "state": state}

    def _event_target(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "rule",
                "eventBusName",
                "arn",
                "targetId",
                "deadLetterConfig",
                "retryPolicy",
                "sqsTarget",
                "roleArn",
                "forceDestroy",
            },
        )
        rule = inputs.get("rule")
        bus = inputs.get("eventBusName") or "default"
        if bus.startswith("arn:"):
            bus = bus.rsplit("/", 1)[-1]
        rule_rec = next((r for r in self.rules.values() if r["name"] == rule and r["bus"] == bus), None)
        if rule_rec is None:
            others = [r["bus"] for r in self.rules.values() if r["name"] == rule]
            hint = f" (the rule is on bus {others[0]!r}: set the target's eventBusName to it)" if others else ""
            raise EmulatorError(f"{typ} {name!r}: no rule {rule!r} on event bus {bus!r}{hint}")
        rule_arn = next(a for a, r in self.rules.items() if r is rule_rec)
        target_id = inputs.get("targetId") or self._physical_name(typ, name, {}, key="targetId")
        arn = inputs.get("arn") or ""
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "lambda":
            raise EmulatorError(
                f"{typ} {name!r}: EventBridge -> Lambda push delivery is not emulated (only SQS event source mappings "
                "are)"
            )
        if service != "sqs":
            raise EmulatorError(
                f"{typ} {name!r}: target {arn!r} is not an SQS queue; the emulator only delivers to SQS"
            )
        queue = self.queues.get(arn)
        if (
            queue is not None
            and queue["name"].endswith(".fifo")
            and not (inputs.get("sqsTarget") or {}).get("messageGroupId")
        ):
            raise EmulatorError(
                f"{typ} {name!r}: the target is FIFO queue {queue['name']}; EventBridge needs "
                "sqsTarget.messageGroupId for it (AWS rejects the target without one)"
            )
        target: dict[str, Any] = {"Id": target_id, "Arn": arn}
        if inputs.get("sqsTarget"):
            target["SqsParameters"] = {"MessageGroupId": inputs["sqsTarget"].get("messageGroupId")}
        dlq = None
        if inputs.get("deadLetterConfig"):
            dlq = inputs["deadLetterConfig"].get("arn")
            target["DeadLetterConfig"] = {"Arn": dlq}
        if inputs.get("retryPolicy"):
            rp = inputs["retryPolicy"]
            target["RetryPolicy"] = {
                k2: _num(rp[k1])
                for k1, k2 in (
                    ("maximumEventAgeInSeconds", "MaximumEventAgeInSeconds"),
                    ("maximumRetryAttempts", "MaximumRetryAttempts"),
                )
                if rp.get(k1) is not None
            }
        if inputs.get("roleArn"):
            target["RoleArn"] = inputs["roleArn"]
        self.c["events"].put_targets(Rule=rule, EventBusName=bus, Targets=[target])
        self.routes.append(
            Route(
                "eventbridge-target",
                name,
                rule_arn,
                arn,
                dlq,
                {"rule": rule, "bus": bus, "target": target, "policy_at_creation": self._policy_now(arn)},
            )
        )
        rid = f"{bus}-{rule}-{target_id}"
        return rid, {"targetId": target_id, "id": rid, "eventBusName": bus}

    def _event_archive(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {"name", "eventSourceArn", "retentionDays", "eventPattern", "description", "kmsKeyIdentifier"},
        )
        aname = self._physical_name(typ, name, inputs)
        kwargs: dict[str, Any] = {"ArchiveName": aname, "EventSourceArn": inputs["eventSourceArn"]}
        if inputs.get("retentionDays") is not None:
            kwargs["RetentionDays"] = _num(inputs["retentionDays"])
        if inputs.get("eventPattern"):
            kwargs["EventPattern"] = _json_text(inputs["eventPattern"])
        arn = self.c["events"].create_archive(**kwargs)["ArchiveArn"]
        return aname, {"arn": arn, "name": aname, "id": aname}

    # ----------------------------------------------------------------- IAM
    def _role(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "name",
                "namePrefix",
                "assumeRolePolicy",
                "description",
                "path",
                "maxSessionDuration",
                "tags",
                "forceDetachPolicies",
                "permissionsBoundary",
            },
        )
        rname = self._physical_name(typ, name, inputs)
        kwargs: dict[str, Any] = {"RoleName": rname, "AssumeRolePolicyDocument": _json_text(inputs["assumeRolePolicy"])}
        if inputs.get("path"):
            kwargs["Path"] = inputs["path"]
        if inputs.get("tags"):
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in _tags(inputs).items()]
        role = self.c["iam"].create_role(**kwargs)["Role"]
        return rname, {"arn": role["Arn"], "name": rname, "id": rname, "uniqueId": role["RoleId"]}

    def _role_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"role", "policy", "name", "namePrefix"})
        role = inputs["role"]
        if role.startswith("arn:"):
            role = role.rsplit("/", 1)[-1]
        pname = self._physical_name(typ, name, inputs)
        self.c["iam"].put_role_policy(RoleName=role, PolicyName=pname, PolicyDocument=_json_text(inputs["policy"]))
        return f"{role}:{pname}", {"name": pname, "role": role, "id": f"{role}:{pname}"}

    def _role_policy_attachment(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"role", "policyArn"})
        # AWS-managed policies are not loaded in the embedded IAM: recorded only.
        rid = f"{inputs['role']}-{hashlib.sha1(inputs['policyArn'].encode()).hexdigest()[:8]}"
        return rid, {"id": rid}

    # ----------------------------------------------------------- CloudWatch
    def _log_group(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {"name", "namePrefix", "retentionInDays", "kmsKeyId", "tags", "logGroupClass", "skipDestroy"},
        )
        lname = self._physical_name(typ, name, inputs)
        kwargs: dict[str, Any] = {"logGroupName": lname}
        if inputs.get("tags"):
            kwargs["tags"] = _tags(inputs)
        self.c["logs"].create_log_group(**kwargs)
        if inputs.get("retentionInDays"):
            self.c["logs"].put_retention_policy(logGroupName=lname, retentionInDays=_num(inputs["retentionInDays"]))
        arn = self._arn("logs", f"log-group:{lname}")
        return lname, {"arn": arn, "name": lname, "id": lname}

    def _metric_alarm(self, typ, name, inputs):
        aname = self._physical_name(typ, name, inputs)
        kwargs: dict[str, Any] = {"AlarmName": aname}
        mapping = {
            "comparisonOperator": ("ComparisonOperator", str),
            "evaluationPeriods": ("EvaluationPeriods", _num),
            "metricName": ("MetricName", str),
            "namespace": ("Namespace", str),
            "period": ("Period", _num),
            "statistic": ("Statistic", str),
            "threshold": ("Threshold", float),
            "alarmDescription": ("AlarmDescription", str),
            "treatMissingData": ("TreatMissingData", str),
            "datapointsToAlarm": ("DatapointsToAlarm", _num),
            "alarmActions": ("AlarmActions", list),
            "okActions": ("OKActions", list),
            "insufficientDataActions": ("InsufficientDataActions", list),
            "actionsEnabled": ("ActionsEnabled", _bool),
        }
        for k, (k2, conv) in mapping.items():
            if inputs.get(k) is not None:
                kwargs[k2] = conv(inputs[k])
        if inputs.get("dimensions"):
            kwargs["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in inputs["dimensions"].items()]
        self.alarms.append({"name": aname, "resource": name, "kwargs": kwargs})
        try:
            self.c["cloudwatch"].put_metric_alarm(**kwargs)
        except Exception:  # noqa: BLE001 - an alarm the embedded CloudWatch rejects is recorded only
            pass
        arn = self._arn("cloudwatch", f"alarm:{aname}")
        return aname, {"arn": arn, "name": aname, "id": aname}

    # ------------------------------------------------------------- Lambda
    def _function(self, typ, name, inputs):
        if inputs.get("packageType") == "Image" or inputs.get("imageUri"):
            raise EmulatorError(f"{typ} {name!r}: container-image functions are not emulated")
        if not inputs.get("handler"):
            raise EmulatorError(f"{typ} {name!r}: no handler")
        fname = self._physical_name(typ, name, inputs)
        arn = self._arn("lambda", f"function:{fname}")
        env = {str(k): str(v) for k, v in ((inputs.get("environment") or {}).get("variables") or {}).items()}
        code = inputs.get("code")
        if code is not None and not isinstance(code, (pulumi.FileArchive, pulumi.AssetArchive)):
            raise EmulatorError(
                f"{typ} {name!r}: code must be a FileArchive or AssetArchive of the handlers (got "
                f"{type(code).__name__})"
            )
        log_group = ((inputs.get("loggingConfig") or {}).get("logGroup")) or f"/aws/lambda/{fname}"
        self.functions.append(
            Function(
                resource=name,
                name=fname,
                arn=arn,
                handler=str(inputs["handler"]),
                environment=env,
                role=inputs.get("role"),
                timeout=_num(inputs.get("timeout", 3)),
                memory=_num(inputs.get("memorySize", 128)),
                code=code,
                log_group=log_group,
                layers=[str(arn) for arn in inputs.get("layers") or []],
            )
        )
        return fname, {
            "arn": arn,
            "name": fname,
            "id": fname,
            "invokeArn": (
                f"arn:{self.partition}:apigateway:{self.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
            ),
            "qualifiedArn": f"{arn}:$LATEST",
            "version": "$LATEST",
            "qualifiedInvokeArn": f"{arn}:$LATEST",
        }

    def _layer_version(self, typ, name, inputs):
        layer = str(inputs.get("layerName") or name)
        version = 1 + sum(1 for arn in self.layers if arn.rsplit(":", 1)[0].endswith(f":layer:{layer}"))
        arn = self._arn("lambda", f"layer:{layer}:{version}")
        self.layers[arn] = inputs.get("code")
        return arn, {"arn": arn, "layerArn": arn.rsplit(":", 1)[0], "version": str(version)}

    def _event_source_mapping(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "eventSourceArn",
                "functionName",
                "batchSize",
                "maximumBatchingWindowInSeconds",
                "functionResponseTypes",
                "scalingConfig",
                "enabled",
                "tags",
            },
        )
        src = inputs.get("eventSourceArn") or ""
        if src not in self.queues:
            raise EmulatorError(
                f"{typ} {name!r}: event source {src!r} is not an SQS queue the program declared "
                "(only SQS event source mappings are emulated)"
            )
        fifo = self.queues[src]["name"].endswith(".fifo")
        batch = _num(inputs.get("batchSize", 10))
        window = _num(inputs.get("maximumBatchingWindowInSeconds", 0) or 0)
        if batch > 10 and window < 1:
            raise EmulatorError(f"{typ} {name!r}: batchSize {batch} > 10 needs maximumBatchingWindowInSeconds >= 1")
        if fifo and (batch > 10 or window):
            raise EmulatorError(f"{typ} {name!r}: a FIFO queue allows batchSize <= 10 and no batching window")
        mc = (inputs.get("scalingConfig") or {}).get("maximumConcurrency")
        mid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"esm:{name}"))
        self.mappings.append(
            Mapping(
                resource=name,
                uuid=mid,
                queue_arn=src,
                function=str(inputs.get("functionName")),
                batch_size=batch,
                window=window,
                report_batch_item_failures="ReportBatchItemFailures" in (inputs.get("functionResponseTypes") or []),
                enabled=_bool(inputs.get("enabled", True)),
                max_concurrency=_num(mc) if mc is not None else None,
            )
        )
        return mid, {"uuid": mid, "id": mid, "functionArn": inputs.get("functionName"), "state": "Enabled"}

    def _permission(self, typ, name, inputs):
        sid = inputs.get("statementId") or self._physical_name(typ, name, {}, key="statementId")
        self.permissions.append({"resource": name, **inputs, "statementId": sid})
        return sid, {"statementId": sid, "id": sid}

    # ------------------------------------------------------------ DynamoDB
    def _table(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "name",
                "hashKey",
                "rangeKey",
                "attributes",
                "billingMode",
                "ttl",
                "readCapacity",
                "writeCapacity",
                "pointInTimeRecovery",
                "serverSideEncryption",
                "tags",
                "deletionProtectionEnabled",
                "tableClass",
            },
        )
        tname = self._physical_name(typ, name, inputs)
        keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
        if inputs.get("rangeKey"):
            keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
        attrs = [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs.get("attributes") or []]
        kwargs: dict[str, Any] = {"TableName": tname, "KeySchema": keys, "AttributeDefinitions": attrs}
        if (inputs.get("billingMode") or "PROVISIONED") == "PAY_PER_REQUEST":
            kwargs["BillingMode"] = "PAY_PER_REQUEST"
        else:
            kwargs["ProvisionedThroughput"] = {
                "ReadCapacityUnits": _num(inputs.get("readCapacity", 1)),
                "WriteCapacityUnits": _num(inputs.get("writeCapacity", 1)),
            }
        arn = self.c["dynamodb"].create_table(**kwargs)["TableDescription"]["TableArn"]
        ttl = inputs.get("ttl") or {}
        if ttl.get("attributeName") and _bool(ttl.get("enabled", True)):
            self.c["dynamodb"].update_time_to_live(
                TableName=tname, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]}
            )
        return tname, {"arn": arn, "name": tname, "id": tname}

    # ----------------------------------------------------------------- KMS
    def _kms_key(self, typ, name, inputs):
        self._refuse_keys(
            typ,
            name,
            inputs,
            {
                "description",
                "policy",
                "enableKeyRotation",
                "deletionWindowInDays",
                "keyUsage",
                "customerMasterKeySpec",
                "tags",
                "isEnabled",
                "rotationPeriodInDays",
                "multiRegion",
                "bypassPolicyLockoutSafetyCheck",
            },
        )
        kwargs: dict[str, Any] = {}
        if inputs.get("description"):
            kwargs["Description"] = inputs["description"]
        if inputs.get("policy"):
            kwargs["Policy"] = _json_text(inputs["policy"])
        meta = self.c["kms"].create_key(**kwargs)["KeyMetadata"]
        if _bool(inputs.get("enableKeyRotation", False)):
            self.c["kms"].enable_key_rotation(KeyId=meta["KeyId"])
        self.kms_keys[meta["KeyId"]] = {"arn": meta["Arn"], "policy": kwargs.get("Policy"), "resource": name}
        return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"], "id": meta["KeyId"]}

    def _kms_alias(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"name", "namePrefix", "targetKeyId"})
        aname = self._physical_name(typ, name, inputs)
        if not aname.startswith("alias/"):
            aname = f"alias/{aname}"
        target = inputs["targetKeyId"]
        kid = target.rsplit("/", 1)[-1] if target.startswith("arn:") else target
        self.c["kms"].create_alias(AliasName=aname, TargetKeyId=kid)
        self.kms_aliases[aname] = kid
        arn = self._arn("kms", aname)
        return aname, {"arn": arn, "name": aname, "id": aname, "targetKeyArn": self.kms_keys.get(kid, {}).get("arn")}

    def _kms_key_policy(self, typ, name, inputs):
        self._refuse_keys(typ, name, inputs, {"keyId", "policy", "bypassPolicyLockoutSafetyCheck"})
        _, rec = self.resolve_kms_key(inputs["keyId"])
        if rec is None:
            raise EmulatorError(f"{typ} {name!r}: key {inputs['keyId']!r} is not a key the program declared")
        policy = _json_text(inputs["policy"])
        kid = rec["arn"].rsplit("/", 1)[-1]
        self.c["kms"].put_key_policy(KeyId=kid, PolicyName="default", Policy=policy)
        rec["policy"] = policy
        return kid, {"id": kid}

    _HANDLERS: dict[str, Callable] = {
        "aws:sqs/queue:Queue": _queue,
        "aws:sqs/queuePolicy:QueuePolicy": _queue_policy,
        "aws:sqs/redrivePolicy:RedrivePolicy": _redrive_policy,
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _redrive_allow_policy,
        "aws:sns/topic:Topic": _topic,
        "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
        "aws:sns/topicSubscription:TopicSubscription": _subscription,
        "aws:cloudwatch/eventBus:EventBus": _event_bus,
        "aws:cloudwatch/eventRule:EventRule": _event_rule,
        "aws:cloudwatch/eventTarget:EventTarget": _event_target,
        "aws:cloudwatch/eventArchive:EventArchive": _event_archive,
        "aws:iam/role:Role": _role,
        "aws:iam/rolePolicy:RolePolicy": _role_policy,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
        "aws:cloudwatch/logGroup:LogGroup": _log_group,
        "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
        "aws:lambda/function:Function": _function,
        "aws:lambda/layerVersion:LayerVersion": _layer_version,
        "aws:lambda/eventSourceMapping:EventSourceMapping": _event_source_mapping,
        "aws:lambda/permission:Permission": _permission,
        "aws:dynamodb/table:Table": _table,
        "aws:kms/key:Key": _kms_key,
        "aws:kms/alias:Alias": _kms_alias,
        "aws:kms/keyPolicy:KeyPolicy": _kms_key_policy,
    }
