"""Which exceptions are the user's to fix, and their one-line description for the CLI."""

from PIL import UnidentifiedImageError

USER_ERRORS = (ValueError, OSError, KeyError, UnidentifiedImageError, FloatingPointError)


def describe(error: BaseException) -> str:
    """One line: the message itself, or the OS error's message and path."""
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.strerror}: {error.filename}"
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    return " ".join(str(text).split()) or type(error).__name__
