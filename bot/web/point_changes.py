"""Changes to a whole support point from the "Schedule" page: add a one-off session, close the
point for some days, upload a schedule file (CSV or the points TOML). Each is first shown as a
preview of exactly who will be told (every booked visitor and every person waiting, by name
and time), then applied.

The rules are the schedule services' (bot/schedule/service.py, files.py): they authorise the
officer for the point's unit, refuse what cannot be done, write the audit log and queue the
notices in the outbox. This module only reads the form, shows and forwards.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, time

from aiohttp import web

from bot.booking import texts
from bot.i18n import _, ngettext
from bot.points.model import Point
from bot.schedule import files, service
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape
from bot.services.messages import render
from bot.types import Document
from bot.web.app import Page, officer_page
from bot.web.schedule import MAX_REASON

MAX_FILE_FIELD = 4 * files.MAX_BYTES  # the file travels back base64-encoded with the preview


def _told_rows(told: list[service.Told]) -> list[tuple[str, str, bool]]:
    return [
        (texts.day_label(t.starts_at) + ", " + texts.clock(t.starts_at), t.name, t.waiting)
        for t in told
    ]


async def _point(page: Page) -> Point:
    """The point of the URL, if this officer may act for it (403 otherwise, 404 if unknown)."""
    point_id = page.request.match_info["point"]
    try:
        return await service.point_for(page.sc(), point_id)
    except Refused as e:
        raise web.HTTPNotFound(text=str(e)) from e


def _show(
    page: Page,
    point: Point,
    *,
    notice: str | None = None,
    preview: dict | None = None,
    status: int = 200,
) -> web.Response:
    return page.render(
        "point_change.html",
        status,
        active="schedule",
        point=point,
        notice=notice,
        preview=preview,
        max_reason=MAX_REASON,
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip()).replace(second=0, microsecond=0)
    except ValueError:
        return None


def _number(text: str, lo: int, hi: int) -> int | None:
    text = text.strip()
    if not text.isdigit() or len(text) > 4:
        return None
    n = int(text)
    return n if lo <= n <= hi else None


# --- a one-off session ---------------------------------------------------------------------


@officer_page
async def add(page: Page) -> web.Response:
    point = await _point(page)
    f = page.form
    day, start, end = _day(f.get("day", "")), _clock(f.get("start", "")), _clock(f.get("end", ""))
    minutes = _number(f.get("slot_minutes", ""), 5, 240)
    seats = _number(f.get("seats", ""), 1, 500)
    priority = _number(f.get("priority_seats", "0") or "0", 0, 500)
    if None in (day, start, end, minutes, seats, priority):
        notice = _(
            "Please fill in the day, the start and end times, the minutes per time slot "
            "(5 to 240) and the seats per time slot (1 to 500)."
        )
        return _show(page, point, notice=notice, status=400)
    assert day and start and end and minutes and seats and priority is not None
    shape = Shape(point.id, day, start, end, minutes, seats, priority)
    sc = page.sc()
    if f.get("step") != "apply":
        try:
            service.check_shape(shape)
            await service.check_free(sc, point.id, day, start, end)
        except Refused as e:
            return _show(page, point, notice=str(e), status=409)
        planned = shape.scheduled(sc.tz)
        preview = {
            "kind": "add",
            "when": texts.day_label(day)
            + ", "
            + texts.time_range(planned.starts_at, planned.ends_at),
            "slots": int((planned.ends_at - planned.starts_at).total_seconds() // 60) // minutes,
            "form": {
                "day": day.isoformat(),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
                "slot_minutes": minutes,
                "seats": seats,
                "priority_seats": priority,
            },
            "seats": seats,
            "minutes": minutes,
            "priority": priority,
        }
        return _show(page, point, preview=preview)
    try:
        row = await service.add_session(sc, shape)
    except Refused as e:
        return _show(page, point, notice=str(e), status=409)
    notice = _(
        "Added: {when}. It is open for booking now.",
        when=texts.day_label(day) + ", " + texts.time_range(row.starts_at, row.ends_at),
    )
    return _show(page, point, notice=notice, preview={"kind": "done", "session": row.id})


# --- closing for days ----------------------------------------------------------------------


@officer_page
async def close(page: Page) -> web.Response:
    point = await _point(page)
    f = page.form
    first, last = _day(f.get("first", "")), _day(f.get("last", "") or f.get("first", ""))
    reason = " ".join(str(f.get("reason", "")).split())
    if first is None or last is None or not reason or len(reason) > MAX_REASON:
        notice = _(
            "Please choose the first and last day and write the reason (at most {n} "
            "characters): visitors will read it.",
            n=MAX_REASON,
        )
        return _show(page, point, notice=notice, status=400)
    sc = page.sc()
    if f.get("step") != "apply":
        try:
            sessions, told = await service.close_told(sc, point.id, first, last)
            if not sessions:
                raise Refused("schedule.nothing_to_close")
        except Refused as e:
            return _show(page, point, notice=str(e), status=409)
        preview = {
            "kind": "close",
            "first": first.isoformat(),
            "last": last.isoformat(),
            "days": texts.day_label(first)
            + ("" if last == first else " – " + texts.day_label(last)),
            "reason": reason,
            "sessions": sessions,
            "told": _told_rows(told),
        }
        return _show(page, point, preview=preview)
    try:
        outcome = await service.close_point(sc, point.id, first, last, reason)
    except Refused as e:
        return _show(page, point, notice=str(e), status=409)
    notice = " ".join(
        [
            ngettext(
                "Closed: {n} session cancelled.",
                "Closed: {n} sessions cancelled.",
                outcome.sessions,
            ),
            _told_notice(outcome.bookings, outcome.waiting),
        ]
    )
    return _show(page, point, notice=notice, preview={"kind": "done", "session": None})


def _told_notice(bookings: int, waiting: int) -> str:
    parts = [
        ngettext(
            "{n} booked visitor is being told.", "{n} booked visitors are being told.", bookings
        )
    ]
    if waiting:
        parts.append(
            ngettext(
                "{n} person waiting is being told.", "{n} people waiting are being told.", waiting
            )
        )
    return " ".join(parts)


# --- a schedule file -----------------------------------------------------------------------


def _uploaded(page: Page) -> Document | None:
    """The file of the form: uploaded now, or carried back by the preview's apply form."""
    f = page.form
    upload = f.get("file")
    if upload is not None and hasattr(upload, "file"):
        data = upload.file.read(files.MAX_BYTES + 1)
        name = str(upload.filename or "")[:80]
        mime = str(upload.content_type or "application/octet-stream")[:60]
        return Document(name, data, mime) if name else None
    encoded = str(f.get("file_data", ""))
    if not encoded or len(encoded) > MAX_FILE_FIELD:
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return Document(str(f.get("file_name", ""))[:80], data, str(f.get("file_type", ""))[:60])


def _seen(page: Page) -> list | None:
    try:
        seen = json.loads(str(page.form.get("seen", "")))
    except ValueError:
        return None
    return seen if isinstance(seen, list) else None


def _summary(plan: files.Plan) -> list[str]:
    lines = [
        ngettext("{n} session added", "{n} sessions added", len(plan.adds)),
        ngettext("{n} session cancelled", "{n} sessions cancelled", len(plan.cancels)),
        ngettext("{n} session with new seats", "{n} sessions with new seats", len(plan.capacity)),
    ]
    if plan.until is not None:
        lines.append(
            _(
                "Compared with the file up to {day}; after that the published schedule applies.",
                day=texts.day_label(plan.until),
            )
        )
    return lines


@officer_page
async def upload(page: Page) -> web.Response:
    point = await _point(page)
    document = _uploaded(page)
    if document is None or files.kind_of(document) is None:
        notice = _("Please choose a schedule file: a .csv file or a points .toml file.")
        return _show(page, point, notice=notice, status=400)
    sc = page.sc()
    if page.form.get("step") != "apply":
        try:
            plan = await files.preview(sc, point.id, document)
        except Refused as e:
            return _show(page, point, notice=str(e), status=409)
        if plan.problems:
            shown = plan.problems[: files.MAX_PROBLEMS]
            return _show(
                page,
                point,
                notice=_(
                    "Nothing was changed: the file has these problems. Please fix them "
                    "and upload it again."
                ),
                preview={
                    "kind": "problems",
                    "problems": [render(p) for p in shown],
                    "more": len(plan.problems) - len(shown),
                },
                status=422,
            )
        if plan.empty:
            notice = _("This file changes nothing in the schedule.")
            return _show(page, point, notice=notice, status=409)
        told = await service.people_told(sc, [c.session_id for c in plan.cancels])
        preview = {
            "kind": "file",
            "summary": _summary(plan),
            "told": _told_rows(told),
            "file_name": document.filename,
            "file_type": document.mime_type,
            "file_data": base64.b64encode(document.data).decode(),
            "seen": json.dumps(plan.fingerprint()),
        }
        return _show(page, point, preview=preview)
    seen = _seen(page)
    if seen is None:
        return _show(page, point, notice=_("Please upload the file again."), status=400)
    try:
        plan, applied = await files.apply(sc, point.id, document, seen)
    except Refused as e:
        return _show(page, point, notice=str(e), status=409)
    if not applied:
        notice = _(
            "The schedule changed since the preview, so nothing was applied. Please upload "
            "the file again to see the new preview."
        )
        return _show(page, point, notice=notice, status=409)
    notice = " ".join(
        [
            _("Applied: {summary}.", summary=", ".join(_summary(plan)[:3])),
            _told_notice(plan.bookings, plan.waiting),
        ]
    )
    return _show(page, point, notice=notice, preview={"kind": "done", "session": None})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/points/{point}/sessions", add)
    router.add_post("/points/{point}/close", close)
    router.add_post("/points/{point}/file", upload)
