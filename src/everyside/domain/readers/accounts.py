"""What a reader may type: e-mail addresses, usernames, passwords.

- **E-mail**: email-validator's syntax rules (RFC 5321/5322 lengths: 64 for the local part, 254
  in all; IDN domains), no DNS lookup (no network in the domain; a wrong address simply never
  receives the reset link). Input longer than 320 characters is refused before parsing. The
  stored form is the validator's normalised address, case-folded, so `Bob@X.org` and
  `bob@x.org` are one account.
- **Username**: RFC 8265 (PRECIS UsernameCaseMapped: width-mapped, case-folded, NFC, no spaces
  or controls), 2 to 32 characters, letters, digits, `.`, `_` and `-` only; a name mixing
  scripts with look-alike letters (Latin `paypal` with a Cyrillic `а`) is refused, and the
  stored `username_key` is the name with every confusable letter replaced by its Latin
  look-alike (Unicode TR39 data via confusable-homoglyphs), which is unique: an all-Cyrillic
  `раураl` cannot sit beside `paypal`.
- **Password**: 10 to 1024 characters (argon2id hashes any length, but a megabyte password is a
  denial of service), not the e-mail or the username.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables
from email_validator import EmailNotValidError, validate_email
from precis_i18n import get_profile

from everyside.domain.errors import InputError

MAX_EMAIL_INPUT = 320
USERNAME_MIN, USERNAME_MAX = 2, 32
PASSWORD_MIN, PASSWORD_MAX = 10, 1024
_USERNAME = get_profile("UsernameCaseMapped")


def normalize_email(raw: str) -> str:
    """The address as stored, or InputError saying what is wrong with it."""
    raw = (raw or "").strip()
    if not raw:
        raise InputError("an e-mail address is required")
    if len(raw) > MAX_EMAIL_INPUT:
        raise InputError(f"that e-mail address is too long ({len(raw)} characters; at most 254)")
    try:
        found = validate_email(raw, check_deliverability=False, strict=True)
    except EmailNotValidError as e:
        raise InputError(f"not a valid e-mail address: {e}") from None
    return str(found.normalized).casefold()


def normalize_username(raw: str) -> tuple[str, str]:
    """(username as shown, its unique key), or InputError."""
    raw = (raw or "").strip()
    if len(raw) > 4 * USERNAME_MAX:
        raise InputError(f"a username has at most {USERNAME_MAX} characters")
    try:
        name = _USERNAME.enforce(raw)
    except UnicodeError as e:
        reason = str(e).rpartition(":")[2].strip() or "not allowed"
        raise InputError(
            f"that username is not allowed ({reason}); use letters and digits"
        ) from None
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InputError(f"a username has {USERNAME_MIN} to {USERNAME_MAX} characters")
    for c in name:
        if not (unicodedata.category(c)[0] in "LN" or c in "._-"):
            raise InputError(f"a username holds letters, digits, '.', '_' and '-' only, not {c!r}")
    if confusables.is_dangerous(name):
        raise InputError("that username mixes scripts with look-alike letters; use one script")
    return name, username_key(name)


def username_key(name: str) -> str:
    """`name` with each confusable letter replaced by its Latin look-alike."""
    found = confusables.is_confusable(name, greedy=True, preferred_aliases=["latin"]) or []
    swap: dict[str, str] = {}
    for item in found:
        latin = [h["c"] for h in item["homoglyphs"] if "LATIN" in h["n"] or h["c"].isascii()]
        if latin:
            swap[item["character"]] = latin[0].casefold()
    return "".join(swap.get(c, c) for c in name)


def check_password(password: str, *others: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InputError(f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InputError(f"a password has at most {PASSWORD_MAX} characters")
    if any(o and password.casefold() == o.casefold() for o in others):
        raise InputError("the password must differ from the e-mail address and the username")
