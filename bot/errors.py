"""Typed errors raised by library code; only `bot.cli` turns them into messages and exit codes."""


class TrolysoError(Exception):
    """Base for every error the program reports to an operator."""


class ConfigError(TrolysoError):
    """A config value is missing or has the wrong form; the message names the key."""


class SchemaError(TrolysoError):
    """The database schema cannot be used by this version of the code."""


class DatabaseUnavailable(TrolysoError):
    """The database cannot be reached or opened (at start: the message names the key)."""


class ContentError(TrolysoError):
    """Content files are broken; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
