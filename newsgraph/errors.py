"""The exception tree. Each error has a stable code and a message written for people.

`UserError`s are mistakes a user can fix (a missing file, a bad option); the CLI prints them
as one line and exits 2. Anything else is a failure and exits 1.
"""

from __future__ import annotations


class NewsgraphError(Exception):
    code = "E000"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(NewsgraphError):
    code = "E100"
    exit_code = 2


class InputNotFound(UserError):
    code = "E101"


class DatabaseUnavailable(UserError):
    code = "E102"


class BadSetting(UserError):
    code = "E103"


class BadQuery(UserError):
    code = "E104"


class NotFound(UserError):
    code = "E105"


class ModelUnavailable(NewsgraphError):
    code = "E200"
