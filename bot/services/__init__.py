"""Services any surface can call: chat handlers, the command line, and later the officer web
pages. A service takes a `Service` context (bot/services/context.py: who acts, the database
session, the clock, the loaded places), checks the actor's rights itself, changes rows in the
caller's transaction and writes the audit entry there, and returns plain results. It never
sees a chat message or dialog state, and never builds a sentence: when it cannot do what was
asked it raises a `ServiceError` (bot/services/errors.py) with a message id and parameters,
which each surface renders in its reader's language (bot/services/messages.py).
"""
