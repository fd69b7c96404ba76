"""What the assistant says about a published notice, and the `notice` message it becomes (pure)."""

from __future__ import annotations

import pytest

from voice_server.platform.notice_hub import notice_text
from voice_server.voice import protocol as p
from voice_server.voice.notice_forwarder import notice_message


@pytest.mark.parametrize(
    ("status", "words"),
    [("paid", "went through"), ("payment_failed", "didn't go through"), ("refunded", "refund")],
)
def test_order_status_notices_are_spoken_with_the_order_number(status: str, words: str) -> None:
    text = notice_text({"type": "order_status", "order_id": 42, "status": status})
    assert text is not None and words in text and "42" in text


def test_unknown_or_incomplete_notices_are_not_spoken() -> None:
    assert notice_text({"type": "order_status", "order_id": 42, "status": "awaiting_payment"}) is None
    assert notice_text({"type": "order_status", "status": "paid"}) is None
    assert notice_text({"type": "something_else"}) is None
    assert notice_text({"type": "promo", "text": "  "}) is None
    assert notice_text({"type": "promo", "text": "Your size is back in stock."}) == "Your size is back in stock."


def test_notice_message_carries_kind_text_and_data() -> None:
    published = {"type": "order_status", "order_id": 42, "status": "paid"}
    message = notice_message(published, "Paid.", 3)
    assert message == p.Notice(turn_id=3, kind="order_status", text="Paid.", data={"order_id": 42, "status": "paid"})
    parsed = p.SERVER_MESSAGE.validate_json(message.model_dump_json())
    assert parsed == message
    assert notice_message(published, "Paid.", None).turn_id is None  # not spoken (draining)
