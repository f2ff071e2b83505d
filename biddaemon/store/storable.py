"""What a column can hold exactly: an MW amount's digits and places, and text fit for storing.

Market values are checked against these before they are written, so a value the store would
round or refuse is kept out with its reason instead of failing the transaction it is in.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MW_PLACES = 3
MW_DIGITS = 14


def amount_problem(
    value: Decimal, *, places: int = MW_PLACES, digits: int = MW_DIGITS
) -> str | None:
    """Why `value` cannot be stored in an MW column as it is, or None if it can (no rounding)."""
    try:
        if not value.is_finite():
            return "is not a finite number"
        if abs(value) >= Decimal(10) ** (digits - places):
            return f"has more than {digits - places} digits before the point"
        if value != value.quantize(Decimal(1).scaleb(-places)):
            return f"has more than {places} decimal places"
    except (InvalidOperation, AttributeError, TypeError):
        return "is not a decimal number"
    return None


def safe_text(value: object, limit: int = 200) -> str:
    """Market text made fit for a log line or a Text column: no NULs or lone surrogates."""
    text = str(value).replace("\x00", "\\x00")
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def why(exc: BaseException) -> str:
    """The first line of what the driver or the column type said, without the statement."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return safe_text(f"{type(cause).__name__}: {lines[0] if lines else ''}")
