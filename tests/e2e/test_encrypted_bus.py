"""Under `encryption: kms`, the EventBridge bus and its archive use the stack key, and the
emulator still delivers every message to exactly the consumers that select it."""

from e2e_support import DEV_CONSUMERS, DEV_MESSAGES, DEV_SELECTORS, expected_report, normalized


def test_an_eventbridge_stack_with_its_bus_on_the_stack_key_delivers_to_exactly_the_selecting_consumers(emulate):
    encrypted = emulate(DEV_CONSUMERS, "eventbridge", DEV_MESSAGES, encryption="kms")
    assert normalized(encrypted) == expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert encrypted["details"]["access_denied"] == []
