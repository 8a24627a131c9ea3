"""Free-text questions: any text that no command or dialog step took is looked up in the
guides (bot/search) and answered the way `trolyso search` says:

- open: the one guide that fits, as its summary with "Start" (handlers/guides.py);
- choose (the search is unsure): the two or three best guides as buttons, "Ask a person"
  (handlers/handoff.py, when offered) and "None of these", which keeps the question like a
  "none" and says so;
- none: an honest "no guide for that yet", the topics, a visit (when booking is on), "Ask a
  person" (when offered), the menu;
  the question is kept, without who asked, for the editors (`unanswered_questions`).

Typed step navigation ("tiếp", "quay lại", "đọc lại", "menu") moves the guide being read
(handlers/guides.py) and is never kept as a question. Greetings, thanks and a bare "ok" get a friendly word and the menu instead of a search; text
in no language we know ("asdf qwer") gets the usual "I did not understand". Neither is kept.
The index is built with the catalogue and rebuilt with it on every reload.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from bot.content.store import content_store
from bot.ctx import Ctx
from bot.db.search_models import MAX_QUESTION_CHARS, UnansweredQuestion
from bot.i18n import _
from bot.router import Router
from bot.search import Answer, answer_async, dense
from bot.search.build import build_in_background
from bot.types import Button, Incoming, Reply
from handlers import guides, menu, start

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
router = Router()

SEARCH_SERVICE = "search"
BOOKING_PAYLOAD = "book"
CHOICE_STATE = "questions.choice"
NONE_OF_THESE = "q:none"
ASK_PAYLOAD = "ask"
# Phone numbers, ID card numbers and e-mail addresses are masked before a question is kept.
_PERSONAL = re.compile(r"\+?\d[\d .\-]{5,}\d|[\w.+-]+@[\w-]+\.[\w.-]+")
MASK = "***"


async def question(msg: Incoming, ctx: Ctx) -> list[Reply]:
    text = (msg.text or "").strip()
    moved = await guides.typed_move(msg, ctx)  # "tiếp", "quay lại", "menu": not a question
    if moved is not None:
        return moved
    result = await answer_async(ctx.services[SEARCH_SERVICE], text, ctx.locale)
    log.debug(
        "question: decision=%s answer=%s reason=%s", result.decision, result.answer, result.reason
    )
    if result.decision == "open" and result.answer:
        return await guides.open_guide(result.answer, msg, ctx)
    if result.decision == "choose":
        # Kept with the offer, so "None of these" can record the question.
        ctx.state.go(CHOICE_STATE, question=_kept(text))
        return [_choice(result, ctx)]
    if result.reason in ("greeting", "thanks", "ack", "empty"):
        return [_small_talk(result.reason, ctx)]
    if result.reason == "unclear":
        return await start.not_understood(msg, ctx)
    await store_unanswered(ctx, text)
    return [_no_guide(ctx, outside=result.reason == "outside")]


def _choice(result: Answer, ctx: Ctx) -> Reply:
    return Reply(
        text=_("I found a few guides that may help. Which one do you need?"),
        buttons=(
            *guides.guide_buttons(result.choices, ctx),
            *_ask_a_person(ctx),
            (Button(_("None of these"), NONE_OF_THESE),),
        ),
    )


async def choice_state(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """After a choice of guides: "None of these" keeps the question for the editors; anything
    else (a guide pressed, a new question) leaves the choice behind."""
    question = ctx.state.data.get("question", "")
    ctx.state.clear()
    if msg.payload != NONE_OF_THESE:
        return None
    if question:
        await store_unanswered(ctx, question)
    return [_no_guide(ctx, chosen=True)]


def _small_talk(kind: str, ctx: Ctx) -> Reply:
    text = {
        "greeting": _(
            "Hello! Ask me anything about public e-services in your own words, for "
            "example: “how do I register a birth?” Or choose from the menu."
        ),
        "thanks": _(
            "You are welcome! If you need anything else, just ask or choose from the menu."
        ),
        "ack": _("All right. You can type a question at any time, or choose from the menu."),
        "empty": _(
            "Please type your question in words, for example: “I forgot my VNeID "
            "password”. Or choose from the menu."
        ),
    }[kind]
    return menu.menu_reply(ctx, text)


def _no_guide(ctx: Ctx, chosen: bool = False, outside: bool = False) -> Reply:
    """No guide fits. `outside`: the question names a matter no guide covers (a passport, a
    land title, prices: bot/search/outside.py), so the answer says what the guides are about."""
    if chosen:
        first = _("Thank you. I have noted your question so that we can write a guide for it.")
    elif outside:
        first = _(
            "Sorry, I have no guide for that. My guides are about public e-services: VNeID, "
            "the Public Service Portal, iHanoi and staying safe online. I have noted your "
            "question."
        )
    else:
        first = _(
            "Sorry, I do not have a guide for that yet. I have noted your question so that "
            "we can add one."
        )
    text = first + "\n\n" + _("You can look through the guides by topic, or ask in other words.")
    rows: list[tuple[Button, ...]] = [(Button(_("📖 Guides by topic"), "g:m"),)]
    if any(e.payload == BOOKING_PAYLOAD for e in menu.entries(ctx)):
        rows.append((Button(_("📅 Get help in person: book a visit"), BOOKING_PAYLOAD),))
    rows += _ask_a_person(ctx)
    rows.append((Button(_("🏠 Menu"), "menu"),))
    return Reply(text=text, buttons=tuple(rows))


def _ask_a_person(ctx: Ctx) -> list[tuple[Button, ...]]:
    """ "🙋 Ask a person" (handlers/handoff.py), where it is offered in the menu."""
    if not any(e.payload == ASK_PAYLOAD for e in menu.entries(ctx)):
        return []
    return [(Button(_("🙋 Ask a person"), ASK_PAYLOAD),)]


def mask_personal(text: str) -> str:
    return _PERSONAL.sub(MASK, text)


def _kept(text: str) -> str:
    return mask_personal(" ".join(text.split()))[:MAX_QUESTION_CHARS]


async def store_unanswered(ctx: Ctx, text: str) -> None:
    """Keep the question (masked, trimmed, without who asked) for `trolyso report questions`."""
    ctx.session.add(UnansweredQuestion(text=_kept(text), locale=ctx.locale, asked_at=ctx.now()))


router.text(question)
router.state(CHOICE_STATE, choice_state)
router.payload(NONE_OF_THESE, choice_state)


async def setup(core: Core) -> None:
    """Index the catalogue now and after every content reload (in the same swap)."""
    dense.configure(core.config.path("paths.search_cache"))
    index = content_store(core).derive(SEARCH_SERVICE, build_in_background, pure=True)
    if index.dense is not None:
        log.info("search: lexical and dense (%s) retrieval", dense.MODEL_NAME)
