"""What "Ask a person" sends through the outbox, and to whom. Every row is a template rendered
at send time, so the recipient's quiet hours (their reminder settings) hold it back until
morning, and a message that no longer makes sense is dropped:

- `handoff_announce` to an officer: how many questions of their units wait for an answer (at
  most one per officer account per `handoff.announce_every_minutes`; dropped when none wait);
- `handoff` (text fixed when queued, in the recipient's language): an answer or "closed" to
  the citizen, a citizen's follow-up to the officer who took the question, an escalation.

An officer is reached at the account of theirs that wrote last (a private chat: the chat id is
the account's id). The citizen is reached where they asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.db import rowcount
from bot.db.booking_models import OutboxMessage
from bot.db.handoff_models import OPEN, HandoffMessage, HandoffNotice, HandoffQuestion
from bot.db.models import User
from bot.db.officer_models import Officer, OfficerUnit
from bot.handoff.settings import Settings
from bot.i18n import _, ngettext
from bot.outbox.render import stored_replies
from bot.outbox.runtime import Defer, Rendered, Skip
from bot.points.model import Places, Unit
from bot.reminders.plan import quiet_ends
from bot.reminders.settings import prefs, row_of

if TYPE_CHECKING:
    from bot.core import Core

ANNOUNCE, MESSAGE = "handoff_announce", "handoff"
KIND_ANNOUNCE = "handoff_announce"
KIND_ANSWER = "handoff_answer"  # a reply to the citizen's open question (reply windows)
KIND_CLOSED = "handoff_closed"
KIND_FOLLOW_UP = "handoff_follow_up"
KIND_ESCALATION = "handoff_escalation"
PRIORITY = 20  # after a person's own visit notices (10), before broadcasts

QUEUE = "hq"
OPEN_PREFIX = "hq:o:"
CLOSE_MINE = "ask:x"
RATE_PREFIX = "ask:r:"


def unit_name(units: Mapping[str, Unit] | None, unit_id: str) -> str:
    """ "Hoàn Kiếm ward" in the current language; the id when the unit is gone."""
    from bot.points.names import unit_label

    unit = (units or {}).get(unit_id)
    return unit_label(unit) if unit is not None else unit_id


def _units(places: Places | None) -> Mapping[str, Unit]:
    return places.units if places is not None else {}


async def officer_locale(session: AsyncSession, account: User, default: str) -> str:
    """The language an officer is told in: the one they chose in the chat; else the one their
    officer web pages last spoke (the chat's language when they asked for the link — the
    messenger's hint included — or the one they switched the pages to); else the bot's
    default. Never the citizen's."""
    if account.locale:
        return account.locale
    from bot.db.web_models import WebLoginLink, WebSession

    for table in (WebSession, WebLoginLink):
        found = await session.scalar(
            select(table.locale)
            .where(table.user_id == account.id)
            .order_by(table.created_at.desc(), table.id.desc())
            .limit(1)
        )
        if found:
            return found
    return default


def _button(label: str, payload: str) -> dict[str, str]:
    return {"label": label, "payload": payload}


def _row(
    user_id: int | None,
    channel: str,
    chat_id: str,
    kind: str,
    now: datetime,
    *,
    template: str,
    data: dict[str, Any],
    due_at: datetime | None = None,
) -> OutboxMessage:
    return OutboxMessage(
        recipient_user_id=user_id,
        channel=channel,
        chat_id=chat_id,
        kind=kind,
        text=None,
        buttons=None,
        template=template,
        data=data,
        priority=PRIORITY,
        due_at=due_at or now,
        status="pending",
        attempts=0,
        created_at=now,
    )


async def officer_accounts(
    session: AsyncSession, unit_ids: Iterable[str] | None, *, admins: bool = False
) -> dict[int, User]:
    """person id → the account each officer of these units (or each admin) wrote from last."""
    query = select(Officer.person_id)
    if admins:
        query = query.where(Officer.role == "admin")
    else:
        query = query.join(OfficerUnit, OfficerUnit.officer_id == Officer.id).where(
            OfficerUnit.unit_id.in_(list(unit_ids or ()))
        )
    people = set((await session.scalars(query)).all())
    if not people:
        return {}
    accounts = await session.scalars(
        select(User)
        .where(User.person_id.in_(people))
        .order_by(User.person_id, User.last_seen_at.desc(), User.id.desc())
    )
    found: dict[int, User] = {}
    for account in accounts:
        assert account.person_id is not None
        found.setdefault(account.person_id, account)
    return found


async def announce(
    session: AsyncSession, settings: Settings, unit_ids: list[str], now: datetime
) -> int:
    """Tell the officers of these units that questions wait: now, or — if they were told less
    than `announce_every` ago — once when that time is up (the count is read at send time, so
    one announcement covers every question asked meanwhile). Returns rows queued."""
    queued = 0
    for account in (await officer_accounts(session, unit_ids)).values():
        notice = await session.get(HandoffNotice, account.id)
        if notice is None:
            notice = HandoffNotice(user_id=account.id, next_at=now)
            session.add(notice)
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.recipient_user_id == account.id,
                OutboxMessage.kind == KIND_ANNOUNCE,
                OutboxMessage.status.in_(("pending", "sending")),
            )
        )
        if waiting:
            continue  # the one already queued will count this question too
        due = max(now, notice.next_at)
        session.add(
            _row(
                account.id,
                account.channel,
                account.external_id,
                KIND_ANNOUNCE,
                now,
                template=ANNOUNCE,
                data={},
                due_at=due,
            )
        )
        notice.next_at = due + settings.announce_every
        queued += 1
    await session.flush()
    return queued


def _message(
    user_id: int | None, channel: str, chat_id: str, kind: str, now: datetime, text: str, buttons
) -> OutboxMessage:
    return _row(
        user_id,
        channel,
        chat_id,
        kind,
        now,
        template=MESSAGE,
        data={"text": text, "buttons": buttons},
    )


async def _citizen_locale(session: AsyncSession, question: HandoffQuestion) -> str:
    user = await session.get(User, question.user_id)
    return (user.locale if user is not None else None) or question.locale


def _citizen_buttons() -> list[list[dict[str, str]]]:
    return [
        [_button(_("✖ Close my question"), CLOSE_MINE)],
        [_button(_("📖 Back to the menu"), "menu")],
    ]


async def answer_to_citizen(
    session: AsyncSession,
    settings: Settings,
    question: HandoffQuestion,
    text: str,
    places: Places | None,
    now: datetime,
) -> None:
    with i18n.use_locale(await _citizen_locale(session, question)):
        body = (
            _(
                "💬 Answer from the officers of {unit}:",
                unit=unit_name(_units(places), question.unit_id),
            )
            + "\n\n"
            + text
            + "\n\n"
            + _("You can reply here: write your message and I will pass it on.")
        )
        session.add(
            _message(
                question.user_id,
                question.channel,
                question.chat_id,
                KIND_ANSWER,
                now,
                body,
                _citizen_buttons(),
            )
        )


async def closed_to_citizen(
    session: AsyncSession,
    settings: Settings,
    question: HandoffQuestion,
    places: Places | None,
    now: datetime,
) -> None:
    with i18n.use_locale(await _citizen_locale(session, question)):
        unit = unit_name(_units(places), question.unit_id)
        if question.first_answer_at is not None:
            text = _(
                "✅ The officers of {unit} have closed your question. How helpful was the "
                "answer? Choose 1 to 5 stars.",
                unit=unit,
            )
            buttons = [
                [_button("⭐" * n, f"{RATE_PREFIX}{question.id}:{n}") for n in range(1, 6)],
                [_button(_("📖 Back to the menu"), "menu")],
            ]
        else:
            text = _("✅ The officers of {unit} have closed your question.", unit=unit)
            buttons = [[_button(_("📖 Back to the menu"), "menu")]]
        session.add(
            _message(
                question.user_id,
                question.channel,
                question.chat_id,
                KIND_CLOSED,
                now,
                text,
                buttons,
            )
        )


def citizen_text_key(question_id: int, message_id: int) -> str:
    """The `dedupe_key` of an outbox row to an officer that carries a citizen's own words, so
    erasing the citizen's data (or the retention purge) can find and empty it."""
    return f"handoff-q{question_id}-m{message_id}"


async def forget(session: AsyncSession, question_ids: Iterable[int]) -> int:
    """Empty every outbox row to officers that carries these questions' words: one still
    waiting is skipped (never sent), one already sent or failed keeps only its counts. A row
    being sent at this moment is left to finish. Returns the rows emptied."""
    ids = list(question_ids)
    if not ids:
        return 0
    carries = or_(*(OutboxMessage.dedupe_key.like(f"handoff-q{i}-m%") for i in ids))
    waiting = await session.execute(
        update(OutboxMessage)
        .where(carries, OutboxMessage.status == "pending")
        .values(status="skipped", last_error="personal data erased", data=None, text=None)
    )
    done = await session.execute(
        update(OutboxMessage)
        .where(carries, OutboxMessage.status.not_in(("pending", "sending", "skipped")))
        .values(data=None, text=None)
    )
    return rowcount(waiting) + rowcount(done)


async def citizen_wrote(
    session: AsyncSession,
    settings: Settings,
    question: HandoffQuestion,
    message: HandoffMessage,
    now: datetime,
) -> None:
    """The citizen added to a question an officer took: that officer is told. A photo is
    passed on when the officer is on the channel that holds it; otherwise they are told to
    look on the officer pages."""
    taker = (await _accounts_of(session, [question.taken_by])).get(question.taken_by or -1)
    if taker is None:
        await announce(session, settings, [question.unit_id], now)
        return
    photo = message.photo_id if taker.channel == question.channel else None
    with i18n.use_locale(await officer_locale(session, taker, settings.default_locale)):
        body = _("💬 The citizen wrote more on question #{id}:", id=question.id)
        if message.text:
            body += "\n\n" + message.text
        if message.photo_id and photo is None:
            body += "\n\n" + _("📷 The citizen sent a photo: see it on the officer pages (/web).")
        elif photo:
            body += "\n\n" + _("📷 The citizen sent this photo.")
        buttons = [
            [_button(_("📨 Open question #{id}", id=question.id), f"{OPEN_PREFIX}{question.id}")]
        ]
    row = _message(taker.id, taker.channel, taker.external_id, KIND_FOLLOW_UP, now, body, buttons)
    if photo:
        row.data = {**(row.data or {}), "photo": photo}
    row.dedupe_key = citizen_text_key(question.id, message.id)
    session.add(row)


async def _accounts_of(session: AsyncSession, people: list[int | None]) -> dict[int, User]:
    wanted = {p for p in people if p is not None}
    if not wanted:
        return {}
    accounts = await session.scalars(
        select(User)
        .where(User.person_id.in_(wanted))
        .order_by(User.person_id, User.last_seen_at.desc(), User.id.desc())
    )
    found: dict[int, User] = {}
    for account in accounts:
        assert account.person_id is not None
        found.setdefault(account.person_id, account)
    return found


async def escalate_to(
    session: AsyncSession,
    accounts: Iterable[User],
    question: HandoffQuestion,
    places: Places | None,
    settings: Settings,
    now: datetime,
) -> int:
    sent = 0
    hours = max(1, round((now - question.created_at).total_seconds() / 3600))
    for account in accounts:
        with i18n.use_locale(await officer_locale(session, account, settings.default_locale)):
            body = ngettext(
                "⏰ A citizen's question to {unit} has waited {n} hour without an answer.",
                "⏰ A citizen's question to {unit} has waited {n} hours without an answer.",
                hours,
                unit=unit_name(_units(places), question.unit_id),
            )
            buttons = [
                [
                    _button(
                        _("📨 Open question #{id}", id=question.id), f"{OPEN_PREFIX}{question.id}"
                    )
                ]
            ]
        session.add(
            _message(
                account.id,
                account.channel,
                account.external_id,
                KIND_ESCALATION,
                now,
                body,
                buttons,
            )
        )
        sent += 1
    return sent


# --- rendering at send time ----------------------------------------------------------------


async def _quiet_until(session: AsyncSession, row: OutboxMessage, core: Core) -> datetime | None:
    if row.recipient_user_id is None:
        return None
    person = prefs(core.config, await row_of(session, row.recipient_user_id))
    return quiet_ends(core.clock.now(), person.quiet, core.config.tz)


async def render_message(session: AsyncSession, row: OutboxMessage, core: Core) -> Rendered:
    morning = await _quiet_until(session, row, core)
    if morning is not None:
        return Defer(morning)
    data = row.data or {}
    shown = OutboxMessage(text=data.get("text"), buttons=data.get("buttons"))
    rendered = stored_replies(shown)
    photo = data.get("photo")
    if isinstance(photo, str) and photo and isinstance(rendered, list) and rendered:
        # The photo with the words as its caption, the buttons under it.
        rendered = [replace(rendered[0], photo_id=photo), *rendered[1:]]
    return rendered


async def waiting_in(
    session: AsyncSession, unit_ids: list[str] | None
) -> tuple[int, datetime | None]:
    """How many open questions of these units (all when None) have no answer yet, and when
    the oldest was asked."""
    query = select(func.count(), func.min(HandoffQuestion.created_at)).where(
        HandoffQuestion.status == OPEN, HandoffQuestion.first_answer_at.is_(None)
    )
    if unit_ids is not None:
        query = query.where(HandoffQuestion.unit_id.in_(unit_ids))
    count, oldest = (await session.execute(query)).one()
    return int(count or 0), oldest


async def render_announce(session: AsyncSession, row: OutboxMessage, core: Core) -> Rendered:
    morning = await _quiet_until(session, row, core)
    if morning is not None:
        return Defer(morning)
    user = await session.get(User, row.recipient_user_id) if row.recipient_user_id else None
    officer = (
        await session.scalar(select(Officer).where(Officer.person_id == user.person_id))
        if user is not None and user.person_id is not None
        else None
    )
    if user is None or officer is None:
        return Skip("no longer an officer")
    count, oldest = await waiting_in(session, officer.unit_ids)
    if not count:
        return Skip("no question waits")
    with i18n.use_locale(await officer_locale(session, user, core.config.bot.default_locale)):
        text = ngettext(
            "📨 {n} question from citizens is waiting for an answer.",
            "📨 {n} questions from citizens are waiting for an answer.",
            count,
        )
        if oldest is not None:
            text += " " + waited(core.clock.now() - oldest)
        buttons = [[_button(_("📨 Questions from citizens"), QUEUE)]]
    return stored_replies(OutboxMessage(text=text, buttons=buttons))


def waited(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return ngettext(
            "The oldest has waited {n} minute.", "The oldest has waited {n} minutes.", minutes
        )
    hours = minutes // 60
    return ngettext("The oldest has waited {n} hour.", "The oldest has waited {n} hours.", hours)


def install(core: Core) -> None:
    from bot.outbox import runtime

    runtime.template(core, ANNOUNCE, render_announce)
    runtime.template(core, MESSAGE, render_message)
