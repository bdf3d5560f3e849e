"""Errors a user can cause: each carries one sentence that names the input and what is wrong."""


class InputError(ValueError):
    """Bad input from a person or a script (exit status 2 at the command line)."""


class FileProblem(Exception):
    """The state file cannot be used as asked (exit status 1 at the command line)."""
