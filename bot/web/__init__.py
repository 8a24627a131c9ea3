"""The officers' web pages: server-rendered pages served by the bot's own aiohttp server under
`/web/` — login by a one-time link the bot sends (auth.py), the "Today" page (today.py).
Every page reads and changes through the same functions as the chat's officer tools, which
authorise the officer and write the audit log. app.py builds the application; server.py runs
it when no webhook server does.
"""
