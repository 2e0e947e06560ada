"""`publish(messages)`: the one call that sends envelopes into the stack's channel.

The built-in producer function is a thin handler around it, and a team's own
function (in its code folder, deployed with the channel environment) imports it:

    from handlers.publisher import publish

    result = publish([{"type": "OrderCreated", "data": {"orderId": "o-1"}}])
    # {"sent": ["<id>", ...], "failed": [{"id": ..., "code": ..., "message": ...}]}

Every envelope is checked before anything is sent (a bad one raises
EnvelopeError naming its index and field, and nothing is sent), its `data`
against its type's JSON Schema when the stack registers one; id, time and
source are filled when missing; ids must be unique within one call. Entries
are packed into as few batch calls as possible and only failed entries are
retried; an entry that still fails is returned in `failed`, never dropped.
Settings (channel, target, FIFO, default source) are read once, at import.
"""

from __future__ import annotations

from typing import Any

from handlers import channels, clients, env, schemas, sending
from handlers import envelope as envelopes

SETTINGS = env.producer_settings()
CHANNEL = channels.get(SETTINGS.channel)
_api: Any = None  # the channel's boto3 client, made on the first send of this execution environment


def prepare(messages: Any, settings: env.ProducerSettings = SETTINGS) -> list[channels.Entry]:
    """Validated, completed batch entries; raises EnvelopeError before anything is sent."""
    if not isinstance(messages, list):
        raise envelopes.EnvelopeError(f"messages must be a list of envelopes, got {type(messages).__name__}")
    for index, message in enumerate(messages):
        envelopes.outgoing(message, index)
        schemas.check_data(message, index, settings.schemas)
    first_index: dict[str, int] = {}
    for index, message in enumerate(messages):
        if "id" in message:
            earlier = first_index.setdefault(message["id"], index)
            if earlier != index:
                raise envelopes.EnvelopeError(
                    f"messages[{index}].id: {message['id']!r} repeats messages[{earlier}].id; ids must be unique "
                    "within one call (under FIFO the second would be dropped as a duplicate)"
                )
    channel = channels.get(settings.channel)
    entries = []
    for index, message in enumerate(messages):
        done = envelopes.complete(message, settings.default_source)
        body = envelopes.dumps(done, index)
        size = envelopes.size(body)
        if size > envelopes.MAX_ENVELOPE_BYTES:
            raise envelopes.EnvelopeError(
                f"messages[{index}]: the envelope is {size:,} bytes as UTF-8 JSON, over the limit of "
                f"{envelopes.MAX_ENVELOPE_BYTES:,} bytes (256 KiB less the headroom the channels need)"
            )
        entries.append(channel.entry(done, body, index, settings.fifo))
    return entries


def publish(messages: list[dict]) -> dict:
    """Send `messages` (envelopes) to the stack's channel; returns {"sent": [ids], "failed": [...]}."""
    global _api
    entries = prepare(messages)
    if not entries:
        return {"sent": [], "failed": []}
    if _api is None:
        _api = clients.client(CHANNEL.service, SETTINGS.region)
    outcome = sending.send_all(CHANNEL, _api, SETTINGS.target, entries, keep_order=SETTINGS.fifo)
    return {
        "sent": [e.envelope_id for e in outcome.sent],
        "failed": [{"id": f.entry.envelope_id, "code": f.code, "message": f.message} for f in outcome.failed],
    }
