"""Personal data never reaches the log: a statement that fails with a visitor's name and phone
in its parameters logs neither, and phone numbers and the bot token are masked in every
record, whichever library wrote it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logsafe
from bot.db.booking_models import Booking
from bot.types import Reply
from tests.chat import Chat

NAME = "Nguyễn Thị Hồng Lan"
PHONE = "+84912345678"
TOKEN = "9876543210:AAH-secret-token-for-the-log-test-xyz"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Everything logged at any level by any logger while the test runs, through the
    redacting filter, as `trolyso` installs it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logsafe.install([TOKEN], logger=root)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logsafe.install([], logger=root)


@pytest.mark.both_databases
async def test_a_failing_statement_logs_neither_the_name_nor_the_phone(core, logged):
    async def save_visit(msg, ctx):
        ctx.session.add(
            Booking(
                code="ZZZZ9999",
                slot_id=987654,  # no such slot: the insert fails on its foreign key
                point_id="p",
                channel="terminal",
                locale="vi",
                for_self=True,
                visitor_name=NAME,
                phone=PHONE,
                help_topic="vneid",
                help_note="Số 5 ngõ 12 phố Huế",
                consent=True,
                created_at=ctx.now(),
                updated_at=ctx.now(),
            )
        )
        await ctx.session.flush()
        return [Reply(text="saved")]

    core.router.command("/savevisit", save_visit)
    replies = await Chat(core).say("/savevisit")

    assert "saved" not in [r.text for r in replies], "the statement was meant to fail"
    text = logged.getvalue()
    assert "IntegrityError" in text or "ForeignKeyViolation" in text, text[:2000]
    for secret in (NAME, PHONE, "912345678", "ngõ 12"):
        assert secret not in text


def test_phone_numbers_and_tokens_are_masked_in_any_library_record(logged):
    logging.getLogger("aiohttp.access").info("GET /bot%s/getMe from %s", TOKEN, "0912 345 678")
    logging.getLogger("sqlalchemy.engine").warning("row (%r, %r)", "Lan", "0387.654.321")
    try:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe phone 84912345678")
    except ValueError:
        logging.getLogger("telegram.ext").exception("failed")
    text = logged.getvalue()
    assert "/bot<token>/getMe from <phone>" in text and "('Lan', '<phone>')" in text, text
    assert "ValueError: https://api.telegram.org/bot<token>/getMe phone <phone>" in text
    for secret in (TOKEN, "9876543210", "345 678", "654.321", "912345678"):
        assert secret not in text
    assert "ValueError" in text, "the traceback is still there, masked"


def test_numbers_that_are_not_phones_stay_readable():
    line = "update 912345678123 of chat 5012345 at 2026-11-28 09:00, booking 1234567890"
    assert logsafe.mask(line) == line
