"""Reading a token without putting it in argv, the shell history or the terminal's scrollback.

Order: the discouraged command-line option (with a warning), an environment variable where the
command names one, then standard input: piped (`echo "$T" | spacetraders player add`) or, on a
terminal, a prompt that does not echo.
"""

from __future__ import annotations

import getpass
import os
import sys

from spacetraders.errors import ConfigError

MIN_TOKEN_LENGTH = 8  # SpaceTraders tokens are JWTs of about 600 characters
MAX_TOKEN_LENGTH = 4096


def read_token(
    *,
    what: str,
    option: str | None,
    option_name: str,
    env_var: str | None = None,
) -> str:
    """The token for `what` ("agent token", "account token"), one line, never echoed."""
    if option is not None:
        sys.stderr.write(
            f"warning: {option_name} puts the {what} in the shell history and the process list; "
            f"pipe it on standard input instead\n"
        )
        return _check(option, what, option_name)
    if env_var and os.environ.get(env_var):
        return _check(os.environ[env_var], what, env_var)
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        raise ConfigError(f"no {what}: pipe it on standard input")
    if stdin.isatty():
        try:
            return _check(getpass.getpass(f"{what.capitalize()} (not echoed): "), what, "the prompt")
        except EOFError:
            raise ConfigError(f"no {what} entered") from None
    text = stdin.read(MAX_TOKEN_LENGTH + 2)
    return _check(text, what, "standard input")


def _check(raw: str, what: str, source: str) -> str:
    token = raw.strip()
    if not token:
        if source == "standard input":
            raise ConfigError(f"no {what} on standard input: pipe it in, or run on a terminal to be prompted")
        raise ConfigError(f"empty {what} ({source})")
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"the {what} from {source} is too short to be a token")
    if len(token) > MAX_TOKEN_LENGTH or any(c.isspace() or not c.isprintable() for c in token):
        # Never echo what was given: it may be a real token with a stray character.
        raise ConfigError(f"the {what} from {source} is not one token (one line of printable characters expected)")
    return token
