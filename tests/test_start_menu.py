"""The first features: greeting, language, menu, help, cancel, kind replies."""

from __future__ import annotations

from tests.chat import Chat


async def test_start_greets_in_vietnamese_by_default_and_offers_both_languages(chat):
    await chat.say("/start")
    assert "Xin chào" in chat.text
    assert {"Tiếng Việt", "English"} <= set(chat.labels)


async def test_start_greets_in_english_when_the_messenger_says_english(core):
    chat = Chat(core, language="en-US")
    await chat.say("/start")
    assert "Hello" in chat.text


async def test_unsupported_language_hint_falls_back_to_vietnamese(core):
    chat = Chat(core, language="fr")
    await chat.say("/start")
    assert "Xin chào" in chat.text


async def test_language_choice_is_remembered_per_user(core):
    chat = Chat(core, user_id="7")
    await chat.say("/start")
    await chat.press("English")
    assert chat.replies[0].edit, "choosing a language edits the greeting in place"
    assert "English" in chat.text
    await chat.say("/menu")
    assert "What would you like to do" in chat.text
    other = Chat(core, user_id="8")
    await other.say("/menu")
    assert "Cần làm gì" in other.text


async def test_help_lists_only_menu_features_in_plain_words(chat):
    await chat.say("/help")
    assert "Tôi có thể giúp những việc sau" in chat.text
    assert "/cancel" in chat.text


async def test_text_the_bot_does_not_understand_gets_a_kind_reply_and_the_menu(chat):
    await chat.say("asdf qwer")
    assert "chưa hiểu" in chat.text
    assert chat.buttons


async def test_unknown_command_is_named_back(chat):
    await chat.say("/frobnicate")
    assert "/frobnicate" in chat.text


async def test_cancel_with_nothing_to_stop_says_so(chat):
    await chat.say("/cancel")
    assert "không có việc gì" in chat.text


async def test_forged_button_payload_is_refused_and_changes_nothing(chat):
    await chat.say("/menu")
    await chat.tap("bk:confirm:999")
    assert "đã cũ" in chat.text
    assert chat.buttons


async def test_a_5000_character_message_is_refused_kindly_without_processing(chat):
    await chat.say("a" * 5000)
    assert "5000" in chat.text and "dài" in chat.text
    assert chat.buttons


async def test_handler_that_raises_apologises_with_menu_and_others_are_served(core, caplog):
    async def broken(msg, ctx):
        raise RuntimeError("boom")

    core.router.command("/boom", broken)
    chat = Chat(core, user_id="1")
    await chat.say("/boom")
    assert "Xin lỗi" in chat.text and chat.buttons
    assert any("update=" in r.getMessage() for r in caplog.records)
    other = Chat(core, user_id="2")
    await other.say("/start")
    assert "Xin chào" in other.text


async def test_handler_failure_rolls_back_its_changes(core):
    async def half_done(msg, ctx):
        ctx.user.locale = "en"
        ctx.state.go("x.step", secret=1)
        raise RuntimeError("boom")

    core.router.command("/half", half_done)
    chat = Chat(core, user_id="3")
    await chat.say("/half")
    await chat.say("/menu")
    assert "Cần làm gì" in chat.text  # the locale change was rolled back
