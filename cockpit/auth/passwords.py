"""The password policy, enforced wherever a password is set (``UserStore.create`` and ``update``,
so the CLI and any form alike): at least 12 characters, not containing the user name (in any
case), not one of the commonly used passwords (zxcvbn's list of 30,000, the ones of 12 characters
or more being what the length rule lets through, such as "qwertyuiop12").

    problem = password_problem("li", "…")   # a Chinese sentence, or None when the password will do
"""

from __future__ import annotations

import secrets
from functools import cache

MIN_PASSWORD = 12
MAX_PASSWORD = 256  # argon2 accepts any length; a cap keeps a hostile form from costing CPU


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords long enough to pass the length rule, lower case (loaded once)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a large module: only when a password is set

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_PASSWORD)


def password_problem(username: str, password: object) -> str | None:
    """Why ``password`` may not be ``username``'s password, or None."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"密码长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 位"
    if isinstance(username, str) and username and username.lower() in password.lower():
        return "密码不能包含用户名"
    if password.lower() in common_passwords():
        return "密码过于常见，容易被猜中，请换一个"
    return None


def generate_password(username: str = "") -> str:
    """A random password (16 characters) that the policy accepts for ``username``."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(username, password) is None:
            return password
