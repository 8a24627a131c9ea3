"""Every table that refers to a person is covered by a privacy holder ("Download my data" shows
it, "Delete my data" deletes it), or listed here with the reason it is kept; and what the
holders outside booking keep is downloaded, then deleted."""

from __future__ import annotations

from sqlalchemy import func, select

import handlers  # noqa: F401 (every feature, and so every holder, registered)
from bot.booking import privacy
from bot.db import load_models
from bot.db.booking_models import OutboxMessage
from bot.db.guides_models import GuideFeedback, GuideProgress
from bot.db.models import ConversationState, User
from tests.chat import Chat

# Tables that refer to a person and are deliberately not erased, with the reason.
KEPT = {
    "users": "the account itself: erasing keeps only the messenger's id (privacy.erase)",
    "broadcasts": "progress_user_id is the officer who sent it: an officer's work record",
    "news_optouts": "kept on purpose: erasing it would start sending news again",
    "link_codes": "one-time codes to link a second messenger, used or gone within 10 minutes",
    "link_attempts": "wrong link-code attempts, kept briefly to stop guessing",
    "handoff_notices": "an officer account's next announcement time: no content, one row each",
}
PERSON_COLUMNS = {"user_id", "recipient_user_id", "visitor_name", "phone"}


def _refers_to_a_person(table) -> bool:
    return any(
        column.name in PERSON_COLUMNS
        or any(fk.column.table.name == "users" for fk in column.foreign_keys)
        for column in table.columns
    )


def test_every_table_holding_a_persons_data_is_registered_or_kept_for_a_reason():
    covered = {table for holder in privacy.HOLDERS for table in holder.tables}
    missing = [
        table.name
        for table in load_models().tables.values()
        if _refers_to_a_person(table) and table.name not in covered and table.name not in KEPT
    ]
    assert not missing, f"register these with the privacy registry (or say why not): {missing}"


async def test_guide_comments_dialog_and_sent_messages_are_downloaded_then_deleted(core):
    chat = Chat(core)
    await chat.say("/menu")
    async with core.db.transaction() as session:
        user = (await session.scalars(select(User))).one()
        now = core.clock.now()
        session.add(
            GuideFeedback(
                user_id=user.id,
                guide_id="dvc-login",
                version=1,
                locale="vi",
                helpful=False,
                comment="nhà tôi ở số 5 ngõ 12 phố Huế",
                created_at=now,
            )
        )
        session.add(
            GuideProgress(
                user_id=user.id,
                guide_id="dvc-login",
                locale="vi",
                version=1,
                step_id="s2",
                updated_at=now,
            )
        )
        session.add(
            OutboxMessage(
                recipient_user_id=user.id,
                channel=user.channel,
                chat_id=user.external_id,
                kind="reminder",
                text="Nhắc bác Lan: mai 8:30 ở điểm hỗ trợ",
                due_at=now,
                status="sent",
                created_at=now,
                sent_at=now,
            )
        )
        session.add(
            ConversationState(
                channel=user.channel,
                chat_id=user.external_id,
                user_id=user.external_id,
                name="booking.name",
                data={"name": "Nguyễn Thị Lan"},
                offered=[],
                updated_at=now,
            )
        ) if await session.get(
            ConversationState, (user.channel, user.external_id, user.external_id)
        ) is None else None
        await session.flush()
        exported = await privacy.export(session, user)
        assert exported["guides"]["feedback"][0]["comment"] == "nhà tôi ở số 5 ngõ 12 phố Huế"
        assert exported["guides"]["reading"][0]["step"] == "s2"
        assert exported["messages"][0]["text"].startswith("Nhắc bác Lan")
        assert "dialog" in exported
        counts = await privacy.erase(session, user, now, None)
        assert counts["guides"] == 2 and counts["messages"] == 1
    async with core.db.transaction() as session:
        [feedback] = (await session.scalars(select(GuideFeedback))).all()
        assert (feedback.user_id, feedback.comment, feedback.helpful) == (None, None, False)
        assert (await session.scalar(select(func.count()).select_from(GuideProgress))) == 0
        [sent] = (await session.scalars(select(OutboxMessage))).all()
        assert (sent.text, sent.recipient_user_id, sent.status) == (None, None, "sent")
        assert (await session.scalar(select(func.count()).select_from(ConversationState))) == 0
