"""The producer's check of an envelope's `data` against its type's JSON Schema (messaging:schemas).

Powertools' validation utility does the checking (fastjsonschema, shipped in
the Powertools layer); a type without a schema is not checked.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate

from handlers.envelope import EnvelopeError


def check_data(message: dict, index: int, schemas: Mapping[str, dict]) -> None:
    """Raise EnvelopeError naming the index, the field and the rule when `data` breaks its type's schema."""
    schema = schemas.get(message.get("type"))
    if schema is None:
        return
    try:
        validate(event=message.get("data", {}), schema=schema)
    except SchemaValidationError as exc:
        # fastjsonschema names the checked document "data", so its message names the field as data.<path>.
        raise EnvelopeError(
            f"messages[{index}].data: {exc.validation_message} (rule: {exc.rule}); "
            f"the {message['type']} schema refuses it"
        ) from None
