"""Example processor: an audit trail that accepts every well-formed envelope (`audit:record`).

Useful as a consumer that must never dead-letter (analytics, archiving): it
only logs what arrived (standard `logging`; Lambda sends it to the function's log group).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def record(envelope: dict) -> None:
    log.info("audited %s %s", envelope["type"], envelope["id"])
