"""Producer Lambda: `handlers.producer.handler`, event {"messages": [envelope, ...]}.

A thin handler around `handlers.publisher.publish`: returns
{"sent": [ids], "failed": [{"id", "code", "message"}]}; a bad envelope raises
before anything is sent.
"""

from __future__ import annotations

from typing import Any

from handlers.logs import logger
from handlers.publisher import publish


@logger.inject_lambda_context
def handler(event: Any, context: Any) -> dict:
    if not isinstance(event, dict) or not isinstance(event.get("messages"), list):
        raise ValueError('event must be an object {"messages": [envelope, ...]}')
    return publish(event["messages"])
