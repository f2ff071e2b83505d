"""Wire helpers shared by the JSON-number platforms (Flatpeak, LocalFlex, Tensor Energy).

`JsonDecimal` reads a JSON number (or its text) into an exact `Decimal` and writes it back as a
JSON number; `parse_model` validates a payload and turns a mismatch into `BadMarketData` naming
the first field at fault. Piclo sends quantities as fixed-place strings and names competitions in
its errors, so it keeps its own field types and `parse_wire`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, PlainSerializer, ValidationError

from biddaemon.errors import BadMarketData

M = TypeVar("M", bound=BaseModel)


MAX_MAGNITUDE = Decimal(10) ** 15
"""No quantity of these platforms comes near it (kW, kWh, MW, £); beyond it, converting or
storing the number would overflow (or, for `1e999999999`, take forever)."""


def to_decimal(value: object) -> Decimal:
    """A JSON number (int, float or numeric text) as an exact, finite Decimal of sane size."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("expected a number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError("expected a number") from None
    if not number.is_finite():
        raise ValueError("expected a finite number")
    if number.copy_abs() > MAX_MAGNITUDE:
        raise ValueError(f"must be at most {MAX_MAGNITUDE:,} in magnitude")
    return number


def to_json_number(value: Decimal) -> int | float:
    """An exact JSON number: integral values as ints, others through their shortest float text."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


JsonDecimal = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    PlainSerializer(to_json_number, return_type=int | float, when_used="json"),
]


def parse_model(model: type[M], document: Any, *, what: str) -> M:
    """Validate a payload; a mismatch is BadMarketData naming the first field at fault.

    `what` names the platform and the document (`"Flatpeak device list"`): it starts the message.
    """
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BadMarketData(f"{what}: {message}{more}", field=where or None) from None
