"""A stack in the middle of a fanout -> eventbridge switch, served: ``switch status`` sees the old topic still
carrying messages, then drained with the next step; ``replay`` sends archived events again to one consumer only;
then the README's step 2 (previousTopology removed, the update applied on SIGHUP) deletes the old topic and ends
the switch, and what is sent afterwards reaches exactly the consumers its routing selects."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
from ops_support import REGION, Served, order, write_messages

pytestmark = pytest.mark.xdist_group("ops-switch")  # one served stack for the module, on one worker

WINDOW = "5"  # s: the quiet period switch status needs, short for the test (AWS runs use the 900 s default)
NEW = [order(f"via-bus-{n}") for n in range(2)]
LATE = [order("after-the-window")]
# After step 2: inventory takes OrderCreated only, analytics everything.
AFTER = [order("after-the-update"), order("shipped-after-the-update", type_="OrderShipped")]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _all_processed(served, queues: list[str]) -> bool:
    return sum(served.depth(q) for q in queues) == 0


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    directory = tmp_path_factory.mktemp("switch")
    config = {
        "aws:region": REGION,
        "messaging:topology": "eventbridge",
        "messaging:previousTopology": "fanout",
        "messaging:consumers": [{"name": "inventory", "match": {"type": ["OrderCreated"]}}, {"name": "analytics"}],
    }
    served = Served(directory, config)
    out: dict = {"outputs": served.outputs}
    queues = [c[k] for c in served.outputs["consumers"].values() for k in ("queueUrl", "dlqUrl")]
    try:
        sns = served.client("sns")
        topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if ":fanout-topic-" in t["TopicArn"])
        start = time.time()
        code, out["send"], err = served.ops("send", "--messages", write_messages(directory, NEW))
        assert code == 0, err
        end = time.time() + 0.5
        # An old producer instance keeps publishing to the old topic while switch status looks.
        old: list[dict] = []
        out["old"] = old
        quiet = threading.Event()

        def old_producer() -> None:
            while not quiet.is_set():
                old.append(order(f"via-old-topic-{len(old)}"))
                sns.publish(TopicArn=topic, Message=json.dumps(old[-1]))
                quiet.wait(0.5)

        publisher = threading.Thread(target=old_producer)
        publisher.start()
        published = {"TopicName": topic.rsplit(":", 1)[-1]}
        try:
            served.wait_for(
                "the old topic's metrics",
                lambda: served.metric_sum("AWS/SNS", "NumberOfMessagesPublished", published, 60) > 0,
            )
            out["in_flight"] = served.ops_in_process("switch", "status", "--window", WINDOW)[1]
        finally:
            quiet.set()
            publisher.join()
        time.sleep(int(WINDOW) + 1.5)  # the old topic is quiet for a whole window
        out["drained"] = served.ops_in_process("switch", "status", "--window", WINDOW)[1]
        out["drained_stack"] = served.ops_in_process("switch", "status", "--window", WINDOW, stack="prod")
        out["left_when_drained"] = sum(served.depth(q) for q in queues)
        out["status"] = served.ops_in_process("status")[1]
        time.sleep(max(0.0, end - time.time()) + 0.5)
        late = write_messages(directory, LATE, "late.json")
        code, out["late"], err = served.ops_in_process("send", "--messages", late)
        assert code == 0, err
        out["replay"] = served.ops_in_process(
            "replay", "--from", _iso(start), "--to", _iso(end), "--consumer", "inventory", "--wait"
        )
        served.wait_for("the replayed events to be processed", lambda: sum(served.depth(q) for q in queues) == 0)
        out["inventory_rule"] = served.client("events").list_rule_names_by_target(
            TargetArn=served.client("sqs").get_queue_attributes(
                QueueUrl=served.outputs["consumers"]["inventory"]["queueUrl"], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"],
            EventBusName=served.outputs["channel"]["target"],
        )["RuleNames"]
        out["bus"] = served.outputs["channel"]["target"]
        # Step 2, first with a typo: the program refuses it and the stack serves on as it was.
        out["refused"] = served.update({**config, "messaging:topology": "eventbus"})
        out["topics_after_refusal"] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        final = {k: v for k, v in config.items() if k != "messaging:previousTopology"}
        out["updated"] = served.update(final)
        out["topics"] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        out["old_topic"] = topic
        out["outputs_after"] = served.outputs
        out["no_switch"] = served.ops_in_process("switch", "status", "--window", WINDOW)
        out["no_switch_text"] = served.ops_in_process("switch", "status", "--window", WINDOW, as_json=False)[1]
        after = write_messages(directory, AFTER, "after.json")
        code, out["after"], err = served.ops_in_process("send", "--messages", after)
        assert code == 0, err
        served.wait_for("the messages sent after the update to be processed", lambda: _all_processed(served, queues))
    finally:
        out["report"] = served.stop()
    return out


def test_switch_status_reports_the_old_topic_in_flight_then_drained_with_the_next_step(seen):
    busy, quiet = seen["in_flight"], seen["drained"]
    for s in (busy, quiet):
        assert (s["topology"], s["draining"], s["window_seconds"]) == ("eventbridge", "fanout", 5)
        assert [i["kind"] for i in s["ingress"]] == ["sns-topic"]
        assert s["ingress"][0]["name"].startswith("fanout-topic-")
    assert busy["state"] == "in-flight" and busy["in_flight"] is True
    received, delivered = busy["ingress"][0]["received"], busy["ingress"][0]["delivered"]
    assert received >= 1 and delivered >= 1 and busy["ingress"][0]["undelivered"] == 0
    assert busy["ingress"][0]["failed"] == quiet["ingress"][0]["failed"] == 0  # NumberOfNotificationsFailed
    # Each count as what it is (messages the old topic received; its deliveries to the two consumers), never summed.
    assert busy["next_step"] == (
        f"wait: in the last 5 s the draining fanout ingress was busy: its topic received {received} message(s) and "
        f"delivered to consumers {delivered} time(s); run switch status again after 5 s without traffic"
    )
    assert quiet["state"] == "drained" and quiet["in_flight"] is False
    assert quiet["ingress"][0]["received"] == quiet["ingress"][0]["delivered"] == 0
    # The README's full key (the short one works only in a project named messaging); the stack file unnamed.
    assert quiet["next_step"] == (
        "remove messaging:previousTopology from your stack's Pulumi.<stack>.yaml "
        "(pulumi config rm messaging:previousTopology), then pulumi up"
    )
    code, named, err = seen["drained_stack"]  # --stack prod: the outputs through `pulumi stack output`
    assert (code, named["state"]) == (0, "drained"), err
    assert named["next_step"] == (
        "remove messaging:previousTopology from Pulumi.prod.yaml "
        "(pulumi config rm messaging:previousTopology --stack prod), then pulumi up --stack prod"
    )
    assert seen["left_when_drained"] == 0
    # status shows the switch over switch status's default window, in which the old topic was busy.
    assert (seen["status"]["switch"]["window_seconds"], seen["status"]["switch"]["state"]) == (900, "in-flight")
    assert seen["status"]["channel"] == {"kind": "events", "target": seen["bus"]}


def test_nothing_sent_during_the_switch_or_after_step_two_is_lost_or_processed_twice(seen):
    report = seen["report"]
    assert report["sent"] == [m["id"] for m in NEW + LATE + AFTER]
    for name in ("inventory", "analytics"):
        assert report["consumers"][name]["dead_lettered"] == []
    assert report["unrouted"] == []
    analytics = Counter(report["consumers"]["analytics"]["processed"])
    assert analytics == Counter({m["id"]: 1 for m in seen["old"] + NEW + LATE + AFTER})


def test_a_refused_update_leaves_the_served_stack_as_it_was(seen):
    assert seen["refused"] == (
        "emulator serve: update refused, stack ops unchanged: the Pulumi program failed: invalid stack config: "
        'messaging:topology: "eventbus" is not allowed; allowed values are point-to-point, fanout, eventbridge'
    )
    assert seen["old_topic"] in seen["topics_after_refusal"]


def test_step_two_deletes_the_old_topic_and_ends_the_switch(seen):
    assert seen["updated"] == (
        "updated stack ops (eventbridge): 0 created, "
        "7 updated (Dashboard 1, Policy 1, QueuePolicy 4, RolePolicy 1), "
        "5 deleted (MetricAlarm 1, Topic 1, TopicPolicy 1, TopicSubscription 2), 35 unchanged"
    )
    assert seen["old_topic"] not in seen["topics"]
    assert [t for t in seen["topics"] if ":fanout-topic-" in t] == []
    assert seen["outputs_after"]["drainingTopology"] is None
    assert seen["outputs_after"]["consumers"] == seen["outputs"]["consumers"]  # the same queues and functions
    code, status, err = seen["no_switch"]
    assert code == 0, err
    assert status == {
        "topology": "eventbridge",
        "draining": None,
        "state": "no-switch",
        "in_flight": False,
        "next_step": None,
    }
    assert seen["no_switch_text"].strip() == (
        "topology eventbridge: no switch in progress (messaging:previousTopology is not set)"
    )


def test_after_step_two_each_message_reaches_exactly_the_consumers_its_routing_selects(seen):
    report = seen["report"]
    inventory = Counter(report["consumers"]["inventory"]["processed"])
    analytics = Counter(report["consumers"]["analytics"]["processed"])
    assert (inventory["after-the-update"], analytics["after-the-update"]) == (1, 1)
    assert (inventory["shipped-after-the-update"], analytics["shipped-after-the-update"]) == (0, 1)


def test_replay_delivers_the_window_again_to_the_named_consumer_only(seen):
    code, replay, err = seen["replay"]
    assert code == 0, err
    assert replay["replay"].startswith("ops-inventory-")
    assert replay["state"] == "COMPLETED"
    assert replay["bus"] == seen["bus"]
    assert replay["archive"].startswith("eventbridge-archive-")
    assert replay["consumer"] == "inventory"
    assert replay["rules"] == seen["inventory_rule"] and len(replay["rules"]) == 1
    report = seen["report"]
    inventory = Counter(report["consumers"]["inventory"]["processed"])
    # Events put on the bus inside the window twice (once replayed); the old topic's never reached the archive.
    assert inventory == Counter({**{m["id"]: 2 for m in NEW}, **{m["id"]: 1 for m in seen["old"] + LATE + AFTER[:1]}})
    assert sorted(report["consumers"]["inventory"]["replayed"]) == sorted(m["id"] for m in NEW)
    assert report["consumers"]["analytics"]["replayed"] == []
