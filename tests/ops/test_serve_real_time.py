"""``emulator serve --real-time``: a message that fails waits out its queue's visibility timeout before
its next receive, as in AWS, instead of coming back at once (and being dead-lettered within moments)."""

from __future__ import annotations

import time

import pytest
from ops_support import REGION, Served, order, write_messages

pytestmark = pytest.mark.xdist_group("ops-real-time")

# timeoutSeconds 1 gives the queue a 6 s visibility timeout (6x): each failed receive holds the message in
# flight that long (simulated time: the five receives maxReceiveCount allows happen at once).
CONFIG = {
    "aws:region": REGION,
    "messaging:topology": "point-to-point",
    "messaging:consumers": [{"name": "orders", "timeoutSeconds": 1, "maxReceiveCount": 5}],
}
DEADLINE_SECONDS = 120  # a bound for a loaded machine, never asserted as a timing


def _in_flight(served: Served, url: str) -> int:
    attributes = served.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_failed_message_waits_out_its_visibility_timeout_before_its_next_receive(tmp_path):
    served = Served(tmp_path, CONFIG, "--real-time")
    try:
        consumer = served.outputs["consumers"]["orders"]
        code, sent, err = served.ops("send", "--messages", write_messages(tmp_path, [order("bad", valid=False)]))
        assert code == 0, err
        assert sent["sent"] == ["bad"]
        # Received once and failed: in flight for the visibility timeout, not back at once nor dead-lettered.
        served.wait_for("the first receive", lambda: _in_flight(served, consumer["queueUrl"]) == 1)
        assert served.depth(consumer["dlqUrl"]) == 0
        queue = {"QueueName": consumer["queueUrl"].rsplit("/", 1)[-1]}
        deadline = time.monotonic() + DEADLINE_SECONDS
        while served.metric_sum("AWS/SQS", "NumberOfMessagesReceived", queue) < 2:
            assert time.monotonic() < deadline, f"never received again; serve said {served.stderr[-5:]}"
            time.sleep(0.2)
        # Received again once its visibility timeout passed, and still not dead-lettered (3 receives to go).
        assert served.depth(consumer["dlqUrl"]) == 0
    finally:
        report = served.stop()
    assert report["consumers"]["orders"] == {"processed": [], "dead_lettered": [], "replayed": []}
