"""Why a schedule action was not done: `Refused` with a message id (bot/services/errors.py),
raised before anything changed or inside a savepoint that is rolled back. The ids of the
schedule services, daily work, home visits, schedule files and typed answers are defined
here; each surface renders them (bot/services/messages.py)."""

from __future__ import annotations

from bot.booking import texts
from bot.i18n import N_, _, ngettext
from bot.services.errors import NotAllowed, Refused
from bot.services.messages import define

__all__ = ["NotAllowed", "Refused"]

# schedule
define("schedule.no_points_loaded", N_("There are no support points loaded, so I did nothing."))
define("schedule.unknown_point", N_("I don't know that support point, so I did nothing."))
define("schedule.session_not_found", N_("I could not find that session, so I did nothing."))
define("schedule.session_cancelled", N_("This session is already cancelled, so I did nothing."))
define("schedule.session_moved", N_("This session has already been moved, so I did nothing."))
define(
    "schedule.session_started", N_("This session has already started, so it cannot be changed.")
)
define("schedule.end_before_start", N_("The end must be after the start ({start})."))
define(
    "schedule.slots_do_not_divide",
    N_("{m} minutes do not divide {start}–{end} into whole time slots."),
)
define("schedule.seats_out_of_range", N_("Seats per time slot must be from 1 to 500."))
define(
    "schedule.priority_out_of_range",
    N_("Priority seats must be from 0 to {n} (the seats per time slot)."),
)
define(
    "schedule.overlap",
    lambda p: _(
        "That overlaps the session at {when} at this point. Please choose another time.",
        when=texts.moment(p["when"]),
    ),
)
define("schedule.time_passed", N_("That time has already passed. Please choose a later one."))
define(
    "schedule.last_before_first",
    N_("The last day is before the first day. Please type them again."),
)
define(
    "schedule.changed_meanwhile",
    N_("This session was changed by someone else a moment ago. Please look at it again."),
)
define(
    "schedule.nothing_to_close",
    N_("There is no session at this point on those days, so there is nothing to close."),
)
define("schedule.seat_taken_meanwhile", N_("A seat was booked a moment ago. Please try again."))
define("schedule.same_time", N_("That is the time the session already has, so I did nothing."))
define(
    "schedule.past_midnight",
    N_("The session would end after midnight. Please choose an earlier start."),
)
define(
    "schedule.slots_cannot_move",
    N_(
        "This session's time slots cannot be moved as they are. Please cancel it and add a new one."
    ),
)
define(
    "schedule.visitors_do_not_fit",
    N_("The booked visitors would not fit in the new time slots, so I did nothing."),
)
# daily
define("daily.unknown_mark", N_("I did not understand that mark, so I did nothing."))
define("daily.visit_not_found", N_("I could not find that visit, so I did nothing."))
define("daily.visit_cancelled", N_("This visit was cancelled, so I did nothing."))
define("daily.visit_later_day", N_("This visit is on a later day: you can mark it on the day."))
define(
    "daily.no_session_today",
    N_("This support point has no open session today, so I did not add the visitor."),
)
define(
    "daily.walk_in_mark",
    N_("A walk-in visitor is counted as came. If it was a mistake, remove them instead."),
)
define("daily.not_a_walk_in", N_("This visitor booked, so only their mark can change."))
# home_visit
define("home_visit.not_found", N_("I could not find that home-visit request, so I did nothing."))
define("home_visit.already_done", N_("This home visit is already done, so I did nothing."))
define(
    "home_visit.cancelled",
    N_("The citizen has cancelled this home-visit request, so I did nothing."),
)
define("home_visit.taken", N_("Another officer has already taken this home visit."))
define("home_visit.note_too_long", N_("The note can be at most {n} characters."))
# file
define("file.wrong_kind", N_("Please send a .csv or .toml file (the schedule formats)."))
define("file.unknown_action", N_("action must be add, cancel or capacity; got “{value}”"))
define("file.date_missing", N_("date is missing"))
define("file.no_open_session", N_("there is no open session at {point} on {day}{at}"))
define("file.add_needs_times", N_("a new session needs start and end"))
define("file.time_passed", N_("that time has already passed"))
define("file.reason_missing", N_("reason is missing: it is sent to every visitor"))
# parse
define(
    "parse.bad_date",
    N_("I could not read “{text}” as a date. Please type it like 5/12 or 05/12/2026."),
)
define("parse.day_passed", N_("{day} has already passed. Please type a date from today on."))
define(
    "parse.bad_time", N_("I could not read “{text}” as a time. Please type it like 8:00 or 14h30.")
)
define("parse.whole_number", N_("Please type a whole number from {lo} to {hi}."))
define(
    "parse.reason_too_long",
    N_(
        "That reason is {n} characters long. Please keep it under {max} characters: it is sent to every visitor."
    ),
)
define(
    "parse.reason_in_words",
    N_("Please type a short reason in words, for example: “The officer is ill”."),
)
define(
    "schedule.below_floor",
    lambda p: ngettext(
        "{n} seat is already booked at {time}, so the seats per time slot cannot go below {n}.",
        "{n} seats are already booked at {time}, so the seats per time slot cannot go below {n}.",
        p["n"],
        time=texts.moment(p["time"]),
    ),
)
define(
    "schedule.short_notice_reason",
    N_(
        "The session starts, or would start, in less than {hours} hours: a move at such "
        "short notice needs a reason for the visitors, so I did nothing."
    ),
)
define(
    "schedule.short_notice_confirm",
    lambda p: ngettext(
        "A move at short notice must be confirmed knowing that {n} person will be told. "
        "Please check the move again; I did nothing.",
        "A move at short notice must be confirmed knowing that {n} people will be told. "
        "Please check the move again; I did nothing.",
        p["n"],
    ),
)
# schedule files: each problem is shown with where it is ("line 4", "point[hk-1]")
define("file.too_big", N_("The file is too big (at most {n} KB)."))
define("file.not_utf8", N_("The file is not UTF-8 text. Please save it as “CSV UTF-8”."))
define(
    "file.bad_header",
    N_("line 1: the header must be: {header} (missing: {missing}; unknown: {unknown})"),
)
define("file.line", N_("line {n}"))
define("file.too_many_rows", N_("{where}: at most {n} changes in one file"))
define("file.wrong_values", N_("{where}: {n} values, but the header has {m} columns"))
define("file.at", lambda p: f"{p['where']}: {p['problem']}")
define("file.field", lambda p: f"{p['field']}: {p['problem']}")
define("file.at_time", lambda p: f"{p['where']} {texts.moment(p['when'])}: {p['problem']}")
define("file.as_found", lambda p: str(p["problem"]))  # the points loader's own words
define("file.not_my_point", N_("{where}: you are not an officer of that point's commune or ward"))
define("file.no_changes", N_("The file has a header but no changes."))
define("file.changed_twice", N_("{where}: the same session is already changed on {other}"))
define("file.overlaps_added", N_("{where}: overlaps the session added on {other}"))
define(
    "file.overlaps",
    lambda p: _(
        "{where}: overlaps the session at {when}", where=p["where"], when=texts.moment(p["when"])
    ),
)
define("file.bad_toml", N_("not valid TOML: {error}"))
define("file.not_my_unit", N_("unit: you are not an officer of “{unit}”"))
define(
    "file.not_a_point_here",
    N_(
        "point[{id}]: not a support point of this unit here (new points are added by the operator)"
    ),
)
