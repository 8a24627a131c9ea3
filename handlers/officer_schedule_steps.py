"""The steps of the officers' schedule dialogs (handlers/officer_schedule.py runs them): one
async function per step. A step gets `msg=None` when the dialog arrives at it (it asks its
question) and the officer's message otherwise; it returns replies (stay on this step) or
"next". `d` is what the dialog has gathered, kept in the conversation state.

Typed answers are read kindly (bot/schedule/parse.py): a day like 5/12 or 05/12/2026, a time
like 8:00 or 08h30, a reason of at most 300 characters.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from typing import Any

from bot.booking import texts
from bot.ctx import Ctx
from bot.i18n import N_, _, ngettext
from bot.schedule import files, moving, parse, service
from bot.schedule.errors import Refused
from bot.schedule.placing import local_day
from bot.services.messages import define
from bot.types import Button, Document, Incoming, Reply, rows
from handlers.services import places, render, service_context

VALUE = "ofc:v:"
GO = "ofc:go"
STOP = "ofc:stop"
DAY_BUTTONS = 7
SLOT_CHOICES = (15, 20, 30, 60)
KEEP = "keep"

define(
    "schedule.choose_day_example",
    N_("Please choose a day with the buttons or type it, like 5/12."),
)
define("schedule.choose_day", N_("Please choose a day with the buttons or type it."))
define(
    "schedule.before_first_day",
    lambda p: _("That is before the first day ({day}).", day=texts.day_label(p["day"])),
)

Data = dict[str, Any]
StepResult = list[Reply] | str
Step = Callable[[Incoming | None, Ctx, Data], Awaitable[StepResult]]


def _ask(text: str, *buttons: Button, problem: str | None = None, per_row: int = 1) -> list[Reply]:
    if problem:
        text = f"{problem}\n\n{text}"
    return [
        Reply(text=text, buttons=rows(*buttons, per_row=per_row) + ((Button(_("✖️ Stop"), STOP),),))
    ]


def _typed(msg: Incoming | None) -> str | None:
    if msg is None or msg.text is None or msg.command:
        return None
    return msg.text.strip() or None


def _value(msg: Incoming | None) -> str | None:
    if msg is None or msg.payload is None or not msg.payload.startswith(VALUE):
        return None
    return msg.payload.removeprefix(VALUE)


def _answer(msg: Incoming | None) -> str | None:
    """A typed answer or an answer button's value."""
    return _value(msg) or _typed(msg)


def _today(ctx: Ctx) -> date:
    return local_day(ctx.now(), ctx.config.tz)


def _day_buttons(ctx: Ctx, first: date | None = None) -> list[Button]:
    start = first or _today(ctx)
    return [
        Button(
            texts.day_label(start + timedelta(days=i)),
            VALUE + (start + timedelta(days=i)).isoformat(),
        )
        for i in range(DAY_BUTTONS)
    ]


def _read_day(ctx: Ctx, msg: Incoming | None) -> date:
    value = _value(msg)
    if value is not None:
        try:
            return max(date.fromisoformat(value), _today(ctx))
        except ValueError:
            raise Refused("schedule.choose_day") from None
    typed = _typed(msg)
    if typed is None:
        raise Refused("schedule.choose_day_example")
    return parse.day(typed, _today(ctx))


def _problem(msg: Incoming | None) -> str | None:
    """What to say when a message did not answer the question (None on arrival)."""
    return None if msg is None else _("Please answer with the buttons or type it.")


def hhmm(value: str) -> time:
    return time.fromisoformat(value)


# --- cancel and close ----------------------------------------------------------------------


async def reason(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    typed, problem = _typed(msg), None
    if typed is not None:
        try:
            d["reason"] = parse.reason(typed)
            return "next"
        except Refused as e:
            problem = render(e)
    elif msg is not None:
        problem = _("Please type the reason in words.")
    return _ask(
        _(
            "Why? Type a short reason: it is sent to every booked visitor, in your "
            "words (at most {n} characters).",
            n=parse.MAX_REASON,
        ),
        problem=problem,
    )


async def first_day(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    if msg is not None:
        try:
            d["first"] = _read_day(ctx, msg).isoformat()
            return "next"
        except Refused as e:
            return _ask(
                _("From which day is the point closed?"),
                *_day_buttons(ctx),
                problem=render(e),
                per_row=2,
            )
    return _ask(
        _("From which day is the point closed? Choose a day or type it (like 5/12)."),
        *_day_buttons(ctx),
        per_row=2,
    )


async def last_day(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    first = date.fromisoformat(d["first"])
    question = _("Until which day is it closed (that day included)? Choose or type it.")
    if msg is not None:
        try:
            last = _read_day(ctx, msg)
            if last < first:
                raise Refused("schedule.before_first_day", day=first)
            d["last"] = last.isoformat()
            return "next"
        except Refused as e:
            return _ask(question, *_day_buttons(ctx, first), problem=render(e), per_row=2)
    return _ask(question, *_day_buttons(ctx, first), per_row=2)


# --- a day and times (move, add) -----------------------------------------------------------


async def day(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    question = (
        _("Which day should the session move to? Choose or type it (like 5/12).")
        if d["op"] == "move"
        else _("Which day is the new session? Choose or type it (like 5/12).")
    )
    if msg is not None:
        try:
            d["day"] = _read_day(ctx, msg).isoformat()
            return "next"
        except Refused as e:
            return _ask(question, *_day_buttons(ctx), problem=render(e), per_row=2)
    return _ask(question, *_day_buttons(ctx), per_row=2)


async def start(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    question = _(
        "{day}: at what time does it start? Type it, like 8:00 or 14h30.",
        day=texts.day_label(date.fromisoformat(d["day"])),
    )
    typed, problem = _typed(msg), _problem(msg)
    if typed is not None:
        try:
            value = parse.clock(typed)
            if d["op"] == "move":  # the last answer of a move: can it go there?
                view = await service.session_for(await service_context(ctx), d["session_id"])
                await moving.check_move(
                    await service_context(ctx),
                    view,
                    date.fromisoformat(d["day"]),
                    value,
                    d["point_id"],
                )
            d["start"] = value.isoformat("minutes")
            return "next"
        except Refused as e:
            problem = render(e)
    return _ask(question, problem=problem)


async def why(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    """A move at short notice (schedule.min_notice_hours): the reason visitors are sent.
    Any other move passes straight on."""
    notice = await moving.move_notice(
        await service_context(ctx),
        d["session_id"],
        date.fromisoformat(d["day"]),
        hhmm(d["start"]),
        d["point_id"],
    )
    if not notice.short:
        d.pop("reason", None)
        d.pop("told", None)
        return "next"
    d["told"] = notice.told
    typed, problem = _typed(msg), None
    if typed is not None:
        try:
            d["reason"] = parse.reason(typed)
            return "next"
        except Refused as e:
            problem = render(e)
    elif msg is not None:
        problem = _("Please type the reason in words.")
    return _ask(
        _(
            "⚠️ This is short notice: the session starts, or would start, in less than "
            "{hours} hours. Why must it move? Type a short reason: it is sent to every "
            "visitor with the new time (at most {n} characters).",
            hours=f"{notice.hours:g}",
            n=parse.MAX_REASON,
        ),
        problem=problem,
    )


async def end(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    question = _("It starts at {start}. At what time does it end?", start=d["start"])
    typed, problem = _typed(msg), _problem(msg)
    if typed is not None:
        try:
            value = parse.clock(typed)
            if value <= hhmm(d["start"]):
                raise Refused("schedule.end_before_start", start=d["start"])
            await service.check_free(
                await service_context(ctx),
                d["point_id"],
                date.fromisoformat(d["day"]),
                hhmm(d["start"]),
                value,
            )
            d["end"] = value.isoformat("minutes")
            return "next"
        except Refused as e:
            problem = render(e)
    return _ask(question, problem=problem)


async def slot_minutes(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    question = _("How long is one visit (one time slot)? Choose, or type the minutes.")
    choices = [Button(_("{n} minutes", n=n), f"{VALUE}{n}") for n in SLOT_CHOICES]
    answer, problem = _answer(msg), _problem(msg)
    if answer is not None:
        try:
            minutes = parse.whole_number(answer, 5, 240)
            length = _minutes(hhmm(d["end"])) - _minutes(hhmm(d["start"]))
            if length % minutes:
                raise Refused(
                    "schedule.slots_do_not_divide", m=minutes, start=d["start"], end=d["end"]
                )
            d["slot_minutes"] = minutes
            return "next"
        except Refused as e:
            problem = render(e)
    return _ask(question, *choices, problem=problem, per_row=2)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


async def seats(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    """Seats per time slot: of a new session, or the new number for a session (never below
    what is booked)."""
    view = (
        await service.session_for(await service_context(ctx), d["session_id"])
        if d["op"] == "seats"
        else None
    )
    if view is not None:
        floor, _fullest = service.booked_floor(view)
        question = _(
            "Each time slot has {n} seats now; the fullest has {booked} booked. How "
            "many seats per time slot should it have? Type a number.",
            n=view.seats_per_slot,
            booked=floor,
        )
    else:
        question = _("How many visitors can come in one time slot? Type a number.")
    typed, problem = _typed(msg), _problem(msg)
    if typed is not None:
        try:
            value = parse.whole_number(typed, 1, 500)
            if view is not None and (below := service.below_floor(view, value)):
                raise below
            d["seats"] = value
            return "next"
        except Refused as e:
            problem = render(e)
    return _ask(question, problem=problem)


async def priority_seats(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    most = d["seats"]
    question = _(
        "Of these {n} seats, how many are kept for priority visitors (aged 60+, "
        "disability, poor household) until the day before? Type a number from 0 "
        "to {n}.",
        n=most,
    )
    answer, problem = _answer(msg), _problem(msg)
    if answer is not None:
        try:
            d["priority"] = parse.whole_number(answer, 0, most)
            return "next"
        except Refused as e:
            problem = render(e)
    choices = [Button(str(n), f"{VALUE}{n}") for n in range(min(most, 3) + 1)]
    return _ask(question, *choices, problem=problem, per_row=4)


async def target_point(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    """Move: the same point, or another point of this officer."""
    view = await service.session_for(await service_context(ctx), d["session_id"])
    mine = [
        p for p in await service.my_points(await service_context(ctx)) if p.id != view.row.point_id
    ]
    value = _value(msg)
    if value == KEEP or not mine:  # nowhere else to go: no need to ask
        d["point_id"] = view.row.point_id
        return "next"
    if value is not None and value in {p.id for p in mine}:
        d["point_id"] = value
        return "next"
    here = places(ctx).points.get(view.row.point_id)
    buttons = [Button(_("📍 Same place: {point}", point=here.name if here else ""), VALUE + KEEP)]
    buttons += [Button(f"📍 {p.name}", VALUE + p.id) for p in mine[:20]]
    return _ask(_("Where will it take place?"), *buttons, problem=_problem(msg))


# --- a schedule file -----------------------------------------------------------------------


def file_document(d: Data) -> Document:
    return Document(
        filename=d["file_name"],
        data=base64.b64decode(d["file_data"]),
        mime_type=d.get("file_type", "application/octet-stream"),
    )


async def schedule_file(msg: Incoming | None, ctx: Ctx, d: Data) -> StepResult:
    point = places(ctx).points[d["point_id"]]
    question = _(
        "Send the schedule file for {point} as a document (📎): a .csv file with the "
        "header\n{header}\nor a points .toml file. I will show you what changes "
        "before anything is applied.",
        point=point.name,
        header=",".join(files.CSV_COLUMNS),
    )
    if msg is None:
        return _ask(question)
    if msg.document is None:
        return _ask(
            question,
            problem=_(
                "I did not get a file. Please attach it as a "
                "document (files over the size limit do not reach "
                "me)."
            ),
        )
    try:
        plan = await files.preview(await service_context(ctx), point.id, msg.document)
    except Refused as e:
        return _ask(question, problem=render(e))
    if plan.problems:
        return _ask(question, problem=problems_text(plan))
    if plan.empty:
        return _ask(question, problem=_("This file changes nothing in the schedule."))
    d.update(
        file_name=msg.document.filename[:80],
        file_type=msg.document.mime_type[:60],
        file_data=base64.b64encode(msg.document.data).decode(),
        seen=plan.fingerprint(),
        summary=summary_text(plan),
    )
    return "next"


def problems_text(plan: files.Plan) -> str:
    shown = plan.problems[: files.MAX_PROBLEMS]
    lines = [
        _("I changed nothing: the file has these problems. Please fix them and send it again.")
    ] + [f"• {render(p)}" for p in shown]
    if len(plan.problems) > len(shown):
        lines.append(_("… and {n} more.", n=len(plan.problems) - len(shown)))
    return "\n".join(lines)


def summary_text(plan: files.Plan) -> str:
    parts = [
        ngettext("{n} session added", "{n} sessions added", len(plan.adds)),
        ngettext("{n} cancelled", "{n} cancelled", len(plan.cancels))
        + " "
        + ngettext("affecting {n} booking", "affecting {n} bookings", plan.bookings),
        ngettext("{n} with new seats", "{n} with new seats", len(plan.capacity)),
    ]
    text = ", ".join(parts)
    if plan.waiting:
        text += "; " + ngettext(
            "{n} person waiting will be told", "{n} people waiting will be told", plan.waiting
        )
    if plan.until is not None:
        text += "\n" + _(
            "Compared with the file up to {day}; after that the published "
            "schedule applies (ask the operator to update it).",
            day=plan.until.strftime("%d/%m/%Y"),
        )
    return text
