"""Producer Lambda: `producer.handler`, event {"messages": [envelope, ...]}.

Validates every envelope before any call (a bad one raises ValueError naming
its index and field, and nothing is sent), fills id/time/source, then
publishes to the channel named by MESSAGING_CHANNEL with the fewest batch
calls, retrying only failed entries. Returns
{"sent": [ids], "failed": [{"id", "code", "message"}]}.
"""

from __future__ import annotations

from typing import Any

import channels
import clients
import env
import envelope as envelopes
import logs


def prepare(event: Any, settings: env.ProducerSettings) -> list[channels.Entry]:
    """Validated, completed batch entries; raises ValueError before anything is sent."""
    if not isinstance(event, dict) or not isinstance(event.get("messages"), list):
        raise ValueError('event must be an object {"messages": [envelope, ...]}')
    messages = event["messages"]
    for index, message in enumerate(messages):
        envelopes.check(message, index)
    channel = channels.get(settings.channel)
    entries = []
    for index, message in enumerate(messages):
        done = envelopes.complete(message, settings.default_source)
        entry = channel.entry(done, envelopes.dumps(done, index), index, settings.fifo)
        if entry.size > channels.MAX_REQUEST_BYTES:
            raise envelopes.EnvelopeError(
                f"messages[{index}]: {entry.size} bytes as {settings.channel} counts it, "
                f"over the {channels.MAX_REQUEST_BYTES}-byte limit"
            )
        entries.append(entry)
    return entries


def handler(event: Any, context: Any) -> dict:
    settings = env.producer_settings()
    log = logs.get_logger()
    logs.bind_context(log, context)
    entries = prepare(event, settings)
    if not entries:
        return {"sent": [], "failed": []}
    channel = channels.get(settings.channel)
    api = clients.client(channel.service, settings.region)
    outcome = channels.publish(channel, api, settings.target, entries, log, keep_order=settings.fifo)
    return {
        "sent": [e.envelope_id for e in outcome.sent],
        "failed": [{"id": f.entry.envelope_id, "code": f.code, "message": f.message} for f in outcome.failed],
    }
