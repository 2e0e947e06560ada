"""The emulator itself: refuses what it cannot run faithfully, leaves no global
Pulumi state behind, and gives the same answer for the same input."""

from __future__ import annotations

import json
import shutil

import pulumi
import pytest
from e2e_support import DEV_CONSUMERS, DEV_MESSAGES, REGION, ROOT, Tamper, write_stack
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import settings as pulumi_settings

import emulator


def tiny_project(tmp_path, program: str):
    (tmp_path / "Pulumi.yaml").write_text("name: messaging\nruntime: python\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text(program, encoding="utf-8")
    write_stack(tmp_path, [{"name": "orders"}], "point-to-point")
    return tmp_path


def test_an_aws_resource_type_the_emulator_does_not_implement_is_an_error_naming_it(tmp_path):
    project = tiny_project(tmp_path, "import pulumi_aws as aws\naws.s3.BucketV2('reports')\n")
    with pytest.raises(emulator.EmulatorError, match=r"aws:s3/bucketV2:BucketV2 \('reports'\)"):
        emulator.run(stack="e2e", project_dir=project, count=1)


def test_an_unknown_invoke_is_an_error_naming_its_token(tmp_path):
    project = tiny_project(tmp_path, "import pulumi_aws as aws\naws.get_availability_zones()\n")
    with pytest.raises(emulator.EmulatorError, match="aws:index/getAvailabilityZones:getAvailabilityZones"):
        emulator.run(stack="e2e", project_dir=project, count=1)


def test_an_eventbridge_input_path_is_refused_rather_than_silently_ignored(tmp_path):
    stack_file = write_stack(tmp_path, DEV_CONSUMERS, "eventbridge")

    def add_input_path(typ, name, inputs):
        if typ == "aws:cloudwatch/eventTarget:EventTarget":
            return {**inputs, "inputPath": "$.detail"}
        return inputs

    with pytest.raises(emulator.EmulatorError, match="inputPath"):
        emulator.run(stack="e2e", stack_file=stack_file, messages=DEV_MESSAGES, program_transform=add_input_path)


def test_no_pulumi_runtime_state_leaks_out_of_a_run(emulate):
    emulate(DEV_CONSUMERS, "fanout", DEV_MESSAGES)

    assert pulumi_settings.get_root_resource() is None
    assert pulumi_settings.SETTINGS.monitor is None
    assert not any(key.startswith("messaging:") for key in pulumi_config.CONFIG.get())

    # A plain Pulumi mocks test still works afterwards, with its own project and config.
    class Echo(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return f"{args.name}-id", args.inputs

        def call(self, args):
            return {}

    pulumi.runtime.set_mocks(Echo(), project="other", stack="unit", preview=False)
    try:
        import pulumi_aws as aws

        queue = aws.sqs.Queue("plain", name="plain")

        @pulumi.runtime.test
        def check():
            return queue.id.apply(lambda v: v == "plain-id" and pulumi.get_project() == "other")

        check()
    finally:
        pulumi_settings.reset_options()


def test_the_same_input_gives_the_same_report(tmp_path):
    stack_file = write_stack(tmp_path, DEV_CONSUMERS, "eventbridge")
    first = emulator.run(stack="e2e", stack_file=stack_file, count=15)
    second = emulator.run(stack="e2e", stack_file=stack_file, count=15)
    assert first == second
    assert set(first) == {"stack", "topology", "sent", "consumers", "unrouted", "blocked_routes", "route_dead_lettered"}
    json.dumps(first)  # plain JSON
    # The demo orders include invalid ones, which end in DLQs.
    assert any(entry["dead_lettered"] for entry in first["consumers"].values())


def test_demo_orders_are_deterministic_and_include_invalid_orders():
    orders = emulator.demo_orders(20)
    assert orders == emulator.demo_orders(20)
    assert {o["type"] for o in orders} == {"OrderCreated", "OrderShipped", "OrderCancelled", "OrderDelivered"}
    assert all(o["source"] == "com.example.orders" for o in orders)
    invalid = [o for o in orders if not {"customerName", "customerAddress"} <= set(o["data"])]
    assert 0 < len(invalid) < len(orders)
    assert len({o["id"] for o in orders}) == 20


def test_the_region_comes_from_the_stack(tmp_path):
    stack_file = write_stack(tmp_path, [{"name": "orders"}], "point-to-point")
    report = emulator.run(
        stack="e2e", stack_file=stack_file, count=2, details=True, config_overrides={"aws:region": "ap-southeast-2"}
    )
    assert report["details"]["region"] == "ap-southeast-2" != REGION
    assert all(url.startswith("https://sqs.ap-southeast-2.") for url in report["details"]["queues"])
    assert report["consumers"]["orders"]["processed"]


HAND_WRITTEN_FANOUT = """
import json
import pulumi
import pulumi_aws as aws

HANDLERS = pulumi.FileArchive({handlers!r})
trust = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
    "Principal": {{"Service": "lambda.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}})

topic = aws.sns.Topic("events")
dlq = aws.sqs.Queue("orders-dlq")
queue = aws.sqs.Queue("orders", redrive_policy=dlq.arn.apply(
    lambda arn: json.dumps({{"deadLetterTargetArn": arn, "maxReceiveCount": 5}})))
# The wrong order, made certain: the subscription exists before the queue accepts the topic.
subscription = aws.sns.TopicSubscription("orders-sub", topic=topic.arn, protocol="sqs", endpoint=queue.arn,
                          raw_message_delivery=True)
policy = pulumi.Output.all(queue.arn, topic.arn).apply(lambda a: json.dumps({{"Version": "2012-10-17",
    "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "sns.amazonaws.com"}},
    "Action": "sqs:SendMessage", "Resource": a[0], "Condition": {{"ArnEquals": {{"aws:SourceArn": a[1]}}}}}}]}}))
aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=policy,
                    opts=pulumi.ResourceOptions(depends_on=[subscription]))

def function(name, handler, env, statements):
    role = aws.iam.Role(f"{{name}}-role", assume_role_policy=trust)
    aws.iam.RolePolicy(f"{{name}}-policy", role=role.id, policy=pulumi.Output.json_dumps(
        {{"Version": "2012-10-17", "Statement": statements}}))
    return aws.lambda_.Function(name, role=role.arn, runtime="python3.13", handler=handler, code=HANDLERS,
        environment={{"variables": env}})

function("producer", "handlers.producer.handler", {{"MESSAGING_CHANNEL": "sns", "MESSAGING_TARGET": topic.arn}},
         [{{"Effect": "Allow", "Action": "sns:Publish", "Resource": topic.arn}}])
consumer = function("consumer", "handlers.consumer.handler", {{"MESSAGING_CONSUMER": "orders"}},
    [{{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      "Resource": queue.arn}}])
aws.lambda_.EventSourceMapping("orders-esm", event_source_arn=queue.arn, function_name=consumer.arn,
                               function_response_types=["ReportBatchItemFailures"])
"""


def test_a_hand_written_program_runs_and_a_route_created_before_its_policy_is_flagged(tmp_path):
    package = tmp_path / "package"  # laid out as the program archives it: the runtime package beside the team's code
    shutil.copytree(ROOT / "handlers", package / "handlers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "app" / "orders.py", package / "orders.py")
    project = tiny_project(tmp_path, HAND_WRITTEN_FANOUT.format(handlers=str(package)))
    report = emulator.run(stack="e2e", project_dir=project, count=5, details=True)

    assert report["consumers"]["orders"]["processed"]  # the real handlers ran against the hand-written wiring
    assert report["blocked_routes"] == []
    [warning] = report["details"]["warnings"]
    assert "orders-sub" in warning and "QueuePolicy" in warning


def _visibility(seconds):
    return Tamper(
        "aws:sqs/queue:Queue", "inventory-queue", lambda inputs: {**inputs, "visibilityTimeoutSeconds": seconds}
    )


def test_a_visibility_timeout_below_the_function_timeout_is_refused_like_aws_refuses_the_mapping(tmp_path):
    stack_file = write_stack(tmp_path, DEV_CONSUMERS, "fanout")
    tamper = _visibility(10)
    with pytest.raises(emulator.EmulatorError, match=r"visibility timeout 10s is less than .* timeout 30s"):
        emulator.run(stack="e2e", stack_file=stack_file, messages=DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()


def test_a_visibility_timeout_under_six_function_timeouts_is_a_warning(emulate):
    tamper = _visibility(60)
    report = emulate(DEV_CONSUMERS, "fanout", DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()
    [warning] = report["details"]["warnings"]
    assert "inventory-queue" in warning and "6x" in warning
