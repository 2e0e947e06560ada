"""SQS dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.

moto (5.2) does not implement them; the emulator adds them to moto's SQS with
AWS's semantics, so any SDK call (boto3, the AWS CLI, ``python -m ops``)
reaching the embedded AWS gets AWS's answers:

* the source must be a queue that some queue's redrive policy names as its
  dead-letter queue; one running task per source queue at a time;
* without ``DestinationArn`` each message goes back to the queue it was
  dead-lettered from (recorded when SQS moved it, as AWS's
  ``DeadLetterQueueSourceArn``); a destination must be of the source's type;
* moved messages are new messages (new message id, receive count 0; on FIFO
  queues the message group is kept and the deduplication id is the original
  message id, as AWS sets it in a FIFO dead-letter queue);
* ``MaxNumberOfMessagesPerSecond`` (1..500) is honoured in the emulator's clock:
  ``tick(seconds)`` moves at most that many messages per second (without it,
  up to 500 a second); messages in flight in the DLQ wait until visible;
* a task is ``RUNNING`` until the messages counted when it started have moved
  (``COMPLETED``), or ``CANCELLED`` after ``CancelMessageMoveTask``; the list
  is newest first, at most ``MaxResults`` (1..10, default 1), with a
  ``TaskHandle`` only on a running task.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator
from unittest import mock

MAX_RATE = 500  # messages per second: SQS's limit, and the rate used when none is given


@dataclass
class MoveTask:
    handle: str
    source_arn: str
    destination_arn: str | None
    rate: int | None
    to_move: int
    started_ms: int
    status: str = "RUNNING"
    moved: int = 0
    failure: str | None = None
    budget: float = 0.0

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            out["TaskHandle"] = self.handle
        if self.destination_arn:
            out["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            out["FailureReason"] = self.failure
        return out


def _error(code: str, message: str) -> Exception:
    from moto.sqs.exceptions import SQSException  # noqa: PLC0415 - moto loads with the stack

    return SQSException(code, message)


class MessageMoves:
    """The move tasks of one embedded AWS account and region."""

    def __init__(self, account: str, region: str):
        self.account = account
        self.region = region
        self.tasks: list[MoveTask] = []
        self._lock = threading.RLock()

    @property
    def _backend(self):
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return sqs_backends[self.account][self.region]

    def _queue(self, arn: str, param: str):
        name = arn.rsplit(":", 1)[-1] if isinstance(arn, str) and arn.startswith("arn:") else None
        queue = self._backend.queues.get(name) if name else None
        if queue is None or queue.queue_arn != arn:
            raise _error(
                "ResourceNotFoundException",
                f"The resource that you specified for the {param} parameter doesn't exist.",
            )
        return queue

    def _sources(self, dlq) -> list:
        return [q for q in self._backend.queues.values() if q.dead_letter_queue is dlq]

    # ------------------------------------------------------------------ API
    def start(self, source_arn: str, destination_arn: str | None, rate: int | None) -> str:
        with self._lock:
            source = self._queue(source_arn, "SourceArn")
            if not self._sources(source):
                raise _error("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
            if rate is not None and not 1 <= int(rate) <= MAX_RATE:
                raise _error(
                    "InvalidParameterValue",
                    f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. "
                    f"Reason: must be between 1 and {MAX_RATE}.",
                )
            if destination_arn:
                destination = self._queue(destination_arn, "DestinationArn")
                if destination.fifo_queue != source.fifo_queue:
                    raise _error(
                        "InvalidParameterValue",
                        "The source queue and the destination queue must be of the same type (standard or FIFO).",
                    )
            if any(t.source_arn == source_arn and t.status == "RUNNING" for t in self.tasks):
                raise _error(
                    "InvalidParameterValue",
                    "There is already a task running. Only one active task is allowed for a source queue arn at a "
                    "given time.",
                )
            task_id = str(uuid.uuid4())
            handle = base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source_arn}).encode()).decode()
            task = MoveTask(
                handle=handle,
                source_arn=source_arn,
                destination_arn=destination_arn or None,
                rate=int(rate) if rate is not None else None,
                to_move=len(source._messages),
                started_ms=int(time.time() * 1000),
            )
            if task.to_move == 0:
                task.status = "COMPLETED"
            self.tasks.append(task)
            return handle

    def list(self, source_arn: str, max_results: int | None) -> list[dict[str, Any]]:
        with self._lock:
            self._queue(source_arn, "SourceArn")
            limit = 1 if max_results is None else int(max_results)
            if not 1 <= limit <= 10:
                raise _error(
                    "InvalidParameterValue",
                    f"Value {limit} for parameter MaxResults is invalid. Reason: must be between 1 and 10.",
                )
            mine = [t for t in self.tasks if t.source_arn == source_arn]
            return [t.describe() for t in reversed(mine)][:limit]

    def cancel(self, handle: str) -> int:
        with self._lock:
            # AWS reads the handle first: what it cannot decode, then a source queue, then a task it lacks.
            try:
                decoded = json.loads(base64.b64decode(handle, validate=True))
                source_arn = decoded.get("sourceArn") if decoded.get("taskId") else None
            except (ValueError, TypeError, AttributeError):
                source_arn = None
            if not isinstance(source_arn, str):
                raise _error("InvalidParameterValue", "Value for parameter TaskHandle is invalid.")
            self._queue(source_arn, "SourceArn")
            task = next((t for t in self.tasks if t.handle == handle), None)
            if task is None:
                raise _error("ResourceNotFoundException", "Task does not exist.")
            if task.status != "RUNNING":
                raise _error(
                    "AWS.SimpleQueueService.UnsupportedOperation",
                    f"A message movement task can only be cancelled when its status is RUNNING (it is {task.status}).",
                )
            task.status = "CANCELLED"
            return task.moved

    def running(self) -> bool:
        return any(t.status == "RUNNING" for t in self.tasks)

    # ------------------------------------------------------------- the mover
    def tick(self, seconds: float = 1.0) -> int:
        """Let ``seconds`` of the emulator's clock pass for every running task; return messages moved."""
        moved = 0
        with self._lock:
            for task in self.tasks:
                if task.status == "RUNNING":
                    moved += self._advance(task, seconds)
        return moved

    def _advance(self, task: MoveTask, seconds: float) -> int:
        source = self._queue(task.source_arn, "SourceArn")
        task.budget = min(task.budget + seconds * (task.rate or MAX_RATE), float(task.rate or MAX_RATE))
        moved = 0
        while task.budget >= 1 and task.moved < task.to_move:
            message = next((m for m in list(source._messages) if m.visible and not m.delayed), None)
            if message is None:
                break
            destination = self._destination(task, source, message)
            if destination is None:
                task.status = "FAILED"
                task.failure = "AWS.SimpleQueueService.NonExistentQueue"
                return moved
            with source._messages_lock:
                source._messages.remove(message)
            self._backend.send_message(
                destination.name,
                message.body,
                message_attributes=message.message_attributes or None,
                deduplication_id=message.id if destination.fifo_queue else None,
                group_id=message.group_id if destination.fifo_queue else None,
            )
            task.moved += 1
            task.budget -= 1
            moved += 1
        if task.moved >= task.to_move or not source._messages:
            task.status = "COMPLETED"
        return moved

    def _destination(self, task: MoveTask, source, message):
        arn = task.destination_arn or getattr(message, "dead_letter_source_arn", None)
        if arn is None:
            sources = self._sources(source)
            arn = sources[0].queue_arn if len(sources) == 1 else None
        if arn is None:
            return None
        name = arn.rsplit(":", 1)[-1]
        return self._backend.queues.get(name)

    # ---------------------------------------------------------- installation
    @contextlib.contextmanager
    def installed(self) -> Iterator["MessageMoves"]:
        """Answer the three actions in moto's SQS, and record where dead-lettered messages came from."""
        from moto.core.responses import ActionResult  # noqa: PLC0415
        from moto.sqs.models import SQSBackend  # noqa: PLC0415
        from moto.sqs.responses import SQSResponse  # noqa: PLC0415

        moves = self
        receive = SQSBackend.receive_message

        def start_message_move_task(self):
            handle = moves.start(
                self._get_param("SourceArn"),
                self._get_param("DestinationArn"),
                self._get_param("MaxNumberOfMessagesPerSecond"),
            )
            return ActionResult({"TaskHandle": handle})

        def list_message_move_tasks(self):
            return ActionResult({"Results": moves.list(self._get_param("SourceArn"), self._get_param("MaxResults"))})

        def cancel_message_move_task(self):
            moved = moves.cancel(self._get_param("TaskHandle"))
            return ActionResult({"ApproximateNumberOfMessagesMoved": moved})

        def receive_recording_sources(self, queue_name, *args, **kwargs):
            queue = self.get_queue(queue_name)
            dlq = queue.dead_letter_queue
            before = {id(m) for m in dlq._messages} if dlq is not None else set()
            result = receive(self, queue_name, *args, **kwargs)
            if dlq is not None:
                for message in dlq._messages:
                    if id(message) not in before:
                        # What AWS records as DeadLetterQueueSourceArn; a FIFO DLQ deduplicates by message id.
                        message.dead_letter_source_arn = queue.queue_arn
                        if dlq.fifo_queue:
                            message.deduplication_id = message.id
            return result

        with (
            mock.patch.object(SQSResponse, "start_message_move_task", start_message_move_task, create=True),
            mock.patch.object(SQSResponse, "list_message_move_tasks", list_message_move_tasks, create=True),
            mock.patch.object(SQSResponse, "cancel_message_move_task", cancel_message_move_task, create=True),
            mock.patch.object(SQSBackend, "receive_message", receive_recording_sources),
        ):
            yield self
