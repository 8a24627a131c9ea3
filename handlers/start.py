"""Greeting, main menu, help, language choice, /cancel, and the kind replies for text the bot
does not understand, stale buttons and over-long messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.ctx import Ctx, MenuEntry, Menus
from bot.i18n import N_, _, use_locale
from bot.router import Router
from bot.types import Button, Incoming, Reply
from handlers import menu

router = Router()

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

HELP_ENTRY = MenuEntry("help", N_("❓ What can this bot do?"), N_("Explain what this bot can do."))
LANGUAGE_ENTRY = MenuEntry(
    "lang", N_("🌐 Language / Ngôn ngữ"), N_("Switch between Vietnamese and English.")
)


def _language_row() -> tuple[Button, ...]:
    return tuple(Button(name, f"lang:{code}") for code, name in LANGUAGES.items())


async def start(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    if msg.command_args.startswith("p_"):  # a support point's QR poster
        from handlers import points

        return await points.open_from_link(msg, ctx)
    text = (
        _(
            "Hello! I am Trợ lý số, Hanoi's digital assistant. I help you use public "
            "e-services step by step."
        )
        + "\n\n"
        + _("Which language do you prefer? You can change it later in the menu.")
    )
    greeting = Reply(text=text, buttons=(_language_row(), *menu.buttons(ctx)))
    return [greeting, *await menu.resume_offers(ctx)]


async def show_menu(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    return [menu.menu_reply(ctx, edit=msg.payload is not None)]


async def show_help(msg: Incoming, ctx: Ctx) -> list[Reply]:
    lines = [_("Here is what I can do for you:")]
    lines += [f"• {_(e.help)}" for e in menu.entries(ctx)]
    lines.append(
        _(
            "Commands: /menu shows the menu, /cancel stops what you are doing, "
            "/help shows this message."
        )
    )
    return [menu.menu_reply(ctx, "\n".join(lines))]


async def cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    was_busy = bool(ctx.state.name)
    ctx.state.clear()
    text = _("Stopped.") if was_busy else _("There was nothing to stop.")
    return [menu.menu_reply(ctx, text + " " + _("What would you like to do?"))]


async def choose_language(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            text=_("Choose your language:"),
            buttons=(_language_row(),),
            edit=msg.payload is not None,
        )
    ]


async def set_language(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    code = (msg.payload or "").removeprefix("lang:")
    if code not in LANGUAGES:
        return None
    ctx.user.locale = code
    ctx.locale = code
    with use_locale(code):
        text = _("Done: I will speak {language} from now on.", language=LANGUAGES[code])
        return [
            menu.menu_reply(
                ctx,
                text + "\n\n" + _("What would you like to do? Choose a button below."),
                edit=True,
            )
        ]


async def not_understood(msg: Incoming, ctx: Ctx) -> list[Reply]:
    if msg.command:
        text = _("I don't know the command {command}.", command=msg.command)
    elif msg.text:
        text = _("Sorry, I did not understand that.")
    else:
        text = _("Sorry, I can't use that here.")
    return [menu.menu_reply(ctx, text + " " + _("Please choose from the menu:"))]


STALE_MENU_EVERY = timedelta(minutes=1)


async def stale_button(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """A short note on the press; the menu again at most once a minute per chat (pressing a
    row of old buttons must not fill the chat with menus)."""
    note = Reply(text=_("That button is no longer active, so I did nothing."), toast=True)
    shown: dict[tuple[str, str], datetime] = ctx.core.services.setdefault("stale_menus", {})
    key, now = (msg.channel, msg.chat_id), ctx.now()
    last = shown.get(key)
    if last is not None and now - last < STALE_MENU_EVERY:
        return [note]
    if len(shown) > 10_000:
        shown.clear()  # bounded memory; at worst one more menu
    shown[key] = now
    return [note, menu.menu_reply(ctx, _("Please choose again:"))]


async def too_long(msg: Incoming, ctx: Ctx) -> list[Reply]:
    limit = ctx.config.bot.max_text_chars
    text = _(
        "Your message is too long for me ({length} characters; at most {limit}). Please "
        "send a shorter message — I have not used this one.",
        length=len(msg.text or ""),
        limit=limit,
    )
    return [menu.menu_reply(ctx, text)]


async def unreadable(msg: Incoming, ctx: Ctx) -> list[Reply]:
    text = _(
        "I can read text and shared locations, but not pictures, stickers, voice messages or "
        "files. Please type your question, or choose from the menu:"
    )
    return [menu.menu_reply(ctx, text)]


def apology(menus: Menus) -> list[Reply]:
    return [
        menu.menu_reply(
            None,
            _(
                "Sorry, something went wrong on our side and nothing was "
                "changed. Please try again, or choose from the menu:"
            ),
            menus=menus,
        )
    ]


router.command("start", start)
router.command("menu", show_menu)
router.command("help", show_help)
router.command("cancel", cancel)
router.command("language", choose_language)
router.payload("menu", show_menu, always=True)
router.payload("help", show_help, always=True)
router.payload("lang:", set_language, always=True)
router.payload("lang", choose_language, always=True)
router.fallback = not_understood
router.refused = stale_button
router.too_long = too_long
router.unreadable = unreadable
router.apology = apology
