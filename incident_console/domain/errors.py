"""Errors a user can cause: each carries one sentence that names the input and what is wrong."""


class InputError(ValueError):
    """Bad input from a person or a script (exit status 2 at the command line).

    The sentence names no command-line flag or console key: ``wants`` names what would put it
    right (``"reason"``, ``"to"``, ``"cause"``, ``"incident"``, ``"started_at"``), and each
    interface says how to give that its own way.
    """

    def __init__(self, message: str, *, wants: str = "") -> None:
        super().__init__(message)
        self.wants = wants


class FileProblem(Exception):
    """The state file cannot be used as asked (exit status 1 at the command line)."""
