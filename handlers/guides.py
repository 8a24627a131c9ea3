"""Reading a guide: Guides menu → category → guide summary → one step per message → the end
(version and date, "Did this help?", an optional comment, related guides).

Each step is a new message (older messages stay for scrolling back); the buttons ride on the
newest. Where each reader is lives in the database (bot/content/readers.py), so they are
offered "Continue where you left off" days later, and a step survives a content reload when
its id still exists (else the guide starts again with a one-line note).

Button payloads (≤ 64 bytes; ids are checked against the current catalogue every time):

    g:m                 topics (categories)                 always
    g:c:<category>      the guides of a topic               always
    g:o:<guide>         summary + Start (also a step's button to a guide it names)   always
    g:s:<guide>         step 1                              always
    g:u:<guide>         continue at the user's saved step   always (reads their own progress)
    g:n|b|r:<guide>:<step>   next / back / repeat, from the step that message showed   always
    g:y|x:<guide>:<version>  "Did this help?" yes / no      offered only (a forged vote is refused)
    g:k                 skip the comment                    offered only
    g:h                 the main menu as a new message      always

Reading a public guide is harmless, so moving through one works from any of the reader's
messages even after the dialog's idle timeout; only votes need the router's offered-check.

For other features (the free-text search opens guides through these):

    await open_guide(guide_id, msg, ctx) -> list[Reply]   # summary + "Start" (counts a view)
    guide_buttons(ids, ctx) -> rows of buttons opening each guide (unknown ids skipped)
    category_buttons(ctx) -> rows of buttons, one per topic, in menu order
    await resume_offer(ctx) -> Reply | None  # "Continue where you left off" (for /start)

Other features' buttons at a guide's end come from the menu table (`handlers.MENUS.guide_end`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.content import readers
from bot.content.guides import to_plain
from bot.content.model import Catalogue, Guide
from bot.content.reload import install_sighup, report_path
from bot.content.store import ContentStore
from bot.ctx import Ctx, MenuEntry
from bot.i18n import N_, _, format_day, ngettext
from bot.ids import parse_id
from bot.router import Router
from bot.search.normalize import fold
from bot.types import Button, Incoming, Reply
from handlers import menu

if TYPE_CHECKING:
    from bot.core import Core

router = Router()
COMMENT_STATE = "guides.comment"
MAX_COMMENT_CHARS = 1000

MENU_ENTRY = MenuEntry(
    "g:m",
    N_("📖 Guides"),
    N_("Step-by-step guides: the public service portal, VNeID, iHanoi, staying safe online."),
)


def _catalogue(ctx: Ctx) -> Catalogue:
    return ctx.services["catalogue"]


def _guide(ctx: Ctx, guide_id: str) -> Guide | None:
    return _catalogue(ctx).get(guide_id, ctx.locale)


def _home_row() -> tuple[Button, ...]:
    return (Button(_("🏠 Menu"), "g:h"),)


def _leave_comment(ctx: Ctx) -> None:
    if ctx.state.name == COMMENT_STATE:
        ctx.state.clear()


# Lists: topics and guides


def category_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    catalogue = _catalogue(ctx)
    return tuple(
        (Button(c.titles[ctx.locale], f"g:c:{c.id}"),)
        for c in catalogue.categories
        if catalogue.in_category(c.id, ctx.locale)
    )


def guide_buttons(ids: list[str], ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    guides = [g for g in (_guide(ctx, gid) for gid in ids) if g is not None]
    return tuple((Button(g.title, f"g:o:{g.id}"),) for g in guides)


def _ordered(ctx: Ctx, category_id: str) -> list[Guide]:
    catalogue = _catalogue(ctx)
    order = next((c.guides for c in catalogue.categories if c.id == category_id), ())
    guides = catalogue.in_category(category_id, ctx.locale)
    rank = {gid: i for i, gid in enumerate(order)}
    return sorted(guides, key=lambda g: (rank.get(g.id, len(rank)), g.id))


async def _continue_button(ctx: Ctx) -> Button | None:
    for progress in await readers.unfinished(ctx.session, ctx.user.id):
        guide = _guide(ctx, progress.guide_id)
        if guide is None:
            continue
        index = guide.step_index(progress.step_id)
        if index is None:
            return Button(_("▶️ Continue: {title}", title=guide.title), f"g:u:{guide.id}")
        return Button(
            _("▶️ Continue: {title} (step {k})", title=guide.title, k=index + 1), f"g:u:{guide.id}"
        )
    return None


async def resume_offer(ctx: Ctx) -> Reply | None:
    """ "Continue where you left off" for the guide the user last left unfinished."""
    button = await _continue_button(ctx)
    if button is None:
        return None
    return Reply(
        text=_("You have a guide you did not finish. Continue where you left off?"),
        buttons=((button,), (Button(_("📖 All guides"), "g:m"),)),
    )


async def show_categories(msg: Incoming, ctx: Ctx) -> list[Reply]:
    _leave_comment(ctx)
    resume = await _continue_button(ctx)
    rows = category_buttons(ctx)
    text = _("Which topic do you need help with? Choose one:")
    if resume is not None:
        rows = ((resume,), *rows)
        text = _("You can continue the guide you did not finish, or choose a topic:")
    return [Reply(text=text, buttons=(*rows, _home_row()))]


async def show_category(msg: Incoming, ctx: Ctx) -> list[Reply]:
    _leave_comment(ctx)
    category_id = (msg.payload or "").removeprefix("g:c:")
    category = next((c for c in _catalogue(ctx).categories if c.id == category_id), None)
    guides = _ordered(ctx, category_id)
    if category is None or not guides:
        return _gone(ctx)
    # Long titles are cut short on a small phone's buttons: the text lists them in full.
    listing = "\n".join(f"{i}. {g.title}" for i, g in enumerate(guides, 1))
    buttons = tuple((Button(f"{i}. {g.title}", f"g:o:{g.id}"),) for i, g in enumerate(guides, 1))
    text = _("{topic}: choose a guide.", topic=category.titles[ctx.locale])
    return [
        Reply(
            text=f"{text}\n\n{listing}",
            buttons=(*buttons, (Button(_("⬅️ Other topics"), "g:m"),), _home_row()),
        )
    ]


def _gone(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            text=_("Sorry, that guide is no longer available. Please choose a topic:"),
            buttons=(*category_buttons(ctx), _home_row()),
        )
    ]


# The summary


async def open_guide(guide_id: str, msg: Incoming, ctx: Ctx) -> list[Reply]:
    """The guide's summary with "Start" (or "Continue" when the user was reading it)."""
    _leave_comment(ctx)
    guide = _guide(ctx, guide_id)
    if guide is None:
        return _gone(ctx)
    await readers.count(ctx.session, readers.VIEW, guide.id, guide.version, ctx.locale, ctx.now())
    n = len(guide.steps)
    text = "\n\n".join((f"📖 {guide.title}", guide.summary, ngettext("{n} step", "{n} steps", n)))
    progress = await readers.progress_in(ctx.session, ctx.user.id, guide.id)
    index = guide.step_index(progress.step_id) if progress else None
    first: tuple[Button, ...]
    if index is not None:
        first = (
            Button(_("▶️ Continue at step {k}", k=index + 1), f"g:u:{guide.id}"),
            Button(_("🔁 Start from the beginning"), f"g:s:{guide.id}"),
        )
    elif progress is not None:
        first = (Button(_("▶️ Start again (the guide was updated)"), f"g:s:{guide.id}"),)
    else:
        first = (Button(_("▶️ Start"), f"g:s:{guide.id}"),)
    return [
        Reply(
            text=text,
            buttons=(
                *((b,) for b in first),
                (Button(_("⬅️ Other guides"), f"g:c:{guide.category}"),),
                _home_row(),
            ),
        )
    ]


async def on_open(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await open_guide((msg.payload or "").removeprefix("g:o:"), msg, ctx)


# Steps


async def show_step(guide: Guide, index: int, ctx: Ctx, note: str | None = None) -> list[Reply]:
    step = guide.steps[index]
    await readers.save_progress(
        ctx.session, ctx.user.id, guide.id, ctx.locale, guide.version, step.id, ctx.now()
    )
    header = _("Step {k} of {n}", k=index + 1, n=len(guide.steps))
    text = f"{header} · {step.title}\n\n{to_plain(step.body)}"
    if note:
        text = f"{note}\n\n{text}"
    last = index == len(guide.steps) - 1
    at = f"{guide.id}:{step.id}"
    nav = [Button(_("🔁 Repeat"), f"g:r:{at}")]
    if index > 0:
        nav.insert(0, Button(_("⬅️ Back"), f"g:b:{at}"))
    # A step that names another guide offers it as a button (`[[guide-id]]` in the content).
    links = tuple((Button(f"📖 {g.title}", f"g:o:{g.id}"),) for g in _linked(step.links, ctx))
    buttons = (
        (Button(_("✅ Finish") if last else _("Next ➡️"), f"g:n:{at}"),),
        *links,
        tuple(nav),
        _home_row(),
    )
    images = step.images
    if not images:
        return [Reply(text=text, buttons=buttons)]
    return [
        *(Reply(image=path) for path in images[:-1]),
        Reply(text=text, image=images[-1], buttons=buttons),
    ]


def _linked(ids: tuple[str, ...], ctx: Ctx) -> list[Guide]:
    return [g for g in (_guide(ctx, gid) for gid in ids) if g is not None]


def _updated_note() -> str:
    return _("ℹ️ This guide was updated since you started it, so we begin again from step 1.")


async def start_guide(msg: Incoming, ctx: Ctx) -> list[Reply]:
    _leave_comment(ctx)
    guide = _guide(ctx, (msg.payload or "").removeprefix("g:s:"))
    if guide is None:
        return _gone(ctx)
    await readers.count(ctx.session, readers.START, guide.id, guide.version, ctx.locale, ctx.now())
    return await show_step(guide, 0, ctx)


async def continue_guide(msg: Incoming, ctx: Ctx) -> list[Reply]:
    _leave_comment(ctx)
    guide = _guide(ctx, (msg.payload or "").removeprefix("g:u:"))
    if guide is None:
        return _gone(ctx)
    progress = await readers.progress_in(ctx.session, ctx.user.id, guide.id)
    if progress is None:
        return await show_step(guide, 0, ctx)
    index = guide.step_index(progress.step_id)
    if index is None:
        return await show_step(guide, 0, ctx, note=_updated_note())
    return await show_step(guide, index, ctx)


async def move(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """Next / Back / Repeat, relative to the step the pressed message showed."""
    _leave_comment(ctx)
    parts = (msg.payload or "").split(":")
    if len(parts) != 4:
        return None
    _g, action, guide_id, step_id = parts
    guide = _guide(ctx, guide_id)
    if guide is None:
        return _gone(ctx)
    index = guide.step_index(step_id)
    if index is None:
        return await show_step(guide, 0, ctx, note=_updated_note())
    if action == "n":
        if index + 1 == len(guide.steps):
            return await finish(guide, ctx)
        return await show_step(guide, index + 1, ctx)
    if action == "b":
        return await show_step(guide, max(index - 1, 0), ctx)
    return await show_step(guide, index, ctx)


# Words typed instead of pressing a step's buttons, without diacritics ("tiếp" = "tiep").
TYPED_MOVES = {
    **dict.fromkeys(("tiep", "tiep theo", "tiep tuc", "buoc tiep", "next", "ok tiep"), "n"),
    **dict.fromkeys(("quay lai", "tro lai", "lui lai", "buoc truoc", "back"), "b"),
    **dict.fromkeys(("doc lai", "xem lai", "lai", "nhac lai", "repeat", "again"), "r"),
    **dict.fromkeys(("menu", "trang chu", "home"), "h"),
}
# Polite words around them ("tiếp đi ạ", "next please").
_POLITE = frozenset("a di nhe nha oi please em con chau bac minh".split())


def _typed_move(text: str) -> str | None:
    words = [w for w in re.findall(r"[a-z]+", fold(text)) if w not in _POLITE]
    return TYPED_MOVES.get(" ".join(words))


async def typed_move(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """ "tiếp", "quay lại", "đọc lại", "menu" typed as text: move in the guide the user is
    reading (their latest unfinished one); None when the text is not one of these."""
    action = _typed_move(msg.text or "")
    if action is None:
        return None
    if action == "h":
        return await home(msg, ctx)
    for progress in await readers.unfinished(ctx.session, ctx.user.id, limit=1):
        guide = _guide(ctx, progress.guide_id)
        if guide is not None:
            pressed = f"g:{action}:{guide.id}:{progress.step_id}"
            return await move(replace(msg, text=None, payload=pressed), ctx)
    return [menu.menu_reply(ctx, _("You are not reading a guide now. What would you like to do?"))]


# The end, feedback and comment


async def finish(guide: Guide, ctx: Ctx) -> list[Reply]:
    if await readers.finish(ctx.session, ctx.user.id, guide.id):
        await readers.count(
            ctx.session, readers.COMPLETE, guide.id, guide.version, ctx.locale, ctx.now()
        )
    text = "\n\n".join(
        (
            _("✅ You have reached the end of “{title}”.", title=guide.title),
            _(
                "Guide version {version}, last updated {date}.",
                version=guide.version,
                date=format_day(guide.updated, weekday=False),
            ),
            _("Did this guide help you?"),
        )
    )
    vote = (
        Button(_("👍 Yes"), f"g:y:{guide.id}:{guide.version}"),
        Button(_("👎 No"), f"g:x:{guide.id}:{guide.version}"),
    )
    related = guide_buttons(list(guide.related), ctx)
    if related:
        text += "\n" + _("Related guides are below.")
    extra = tuple((b,) for fn in ctx.core.menus.guide_end for b in fn(guide, ctx))
    last = guide.steps[-1].id
    back = (Button(_("⬅️ Back to the last step"), f"g:r:{guide.id}:{last}"),)
    return [Reply(text=text, buttons=(vote, *related, *extra, back, _home_row()))]


async def vote(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    parts = (msg.payload or "").split(":")
    if len(parts) != 4 or parse_id(parts[3], low=0) is None:
        return None
    _g, answer, guide_id, version = parts
    if _catalogue(ctx).get(guide_id, ctx.locale) is None:
        return _gone(ctx)
    helpful = answer == "y"
    feedback_id = await readers.add_feedback(
        ctx.session, ctx.user.id, guide_id, int(version), ctx.locale, helpful, ctx.now()
    )
    ctx.state.clear()
    ctx.state.go(COMMENT_STATE, feedback=feedback_id)
    thanks = (
        _("Thank you! I am glad it helped.")
        if helpful
        else _("Thank you for telling us. We will use it to make the guide better.")
    )
    ask = _(
        "If you like, type a short comment about this guide: what was unclear or "
        "missing. Or press “Skip”."
    )
    return [Reply(text=f"{thanks}\n\n{ask}", buttons=((Button(_("Skip"), "g:k"),), _home_row()))]


async def comment_state(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """While we wait for a comment: typed text is the comment; anything else moves on."""
    if msg.payload == "g:k":
        return await skip(msg, ctx)
    if msg.payload is not None or msg.command:
        ctx.state.clear()
        return None
    if not (msg.text or "").strip():
        return [
            Reply(
                text=_("Please type your comment as a text message, or press “Skip”."),
                buttons=((Button(_("Skip"), "g:k"),), _home_row()),
            )
        ]
    comment = (msg.text or "").strip()[:MAX_COMMENT_CHARS]
    await readers.add_comment(ctx.session, ctx.user.id, ctx.state.data.get("feedback", 0), comment)
    ctx.state.clear()
    return [
        menu.menu_reply(
            ctx, _("Thank you, I have noted your comment. What would you like to do next?")
        )
    ]


async def skip(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    return [menu.menu_reply(ctx, _("All right. What would you like to do next?"))]


async def home(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    return [menu.menu_reply(ctx)]  # a new message: the step above it stays readable


router.payload("g:m", show_categories, always=True)
router.payload("g:c:", show_category, always=True)
router.payload("g:o:", on_open, always=True)
router.payload("g:s:", start_guide, always=True)
router.payload("g:u:", continue_guide, always=True)
router.payload("g:n:", move, always=True)
router.payload("g:b:", move, always=True)
router.payload("g:r:", move, always=True)
router.payload("g:y:", vote)
router.payload("g:x:", vote)
router.payload("g:k", skip)
router.payload("g:h", home, always=True)
router.state(COMMENT_STATE, comment_state)


async def setup(core: Core) -> None:
    """Load the content (broken content stops the start, listing every problem) and reload
    it on SIGHUP."""
    config = core.config
    store = ContentStore(
        config.path("paths.content"),
        core.services,
        today=lambda: core.clock.now().astimezone(config.tz).date(),
        checked_max_age_days=config.content.checked_max_age_days,
    )
    store.load()
    core.services["content"] = store
    store.signal_installed = install_sighup(store, report_path(config))
