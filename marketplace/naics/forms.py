"""Form validators for NAICS codes: each unknown code is named in the message."""
from __future__ import annotations

from wtforms import Field, Form, ValidationError

from marketplace.naics import catalog


def problems(codes: list[str]) -> list[str]:
    """One message per code that is not a 6-digit NAICS 2022 industry."""
    messages = []
    for code in codes:
        if catalog.is_valid(code):
            continue
        name = catalog.title(code)
        if code.isdigit() and name and len(code) < 6:
            messages.append(f"{code} ({name}) is a broader NAICS level; choose one of its 6-digit codes.")
        elif code.isdigit() and len(code) == 6:
            messages.append(f"{code} is not a NAICS 2022 code.")
        else:
            messages.append(f"“{code[:20]}” is not a NAICS code: codes are 6 digits, such as 561720.")
    return messages


class NaicsCodes:
    """Validate a comma-separated list of 6-digit NAICS 2022 codes."""

    def __init__(self, max_codes: int | None = None, required: bool = False):
        self.max_codes = max_codes
        self.required = required

    def __call__(self, form: Form, field: Field) -> None:
        codes = catalog.parse_codes(field.data)
        if not codes:
            if self.required:
                raise ValidationError("Enter at least one NAICS code, such as 561720.")
            return
        if self.max_codes is not None and len(codes) > self.max_codes:
            raise ValidationError(f"Enter at most {self.max_codes} NAICS codes; you entered {len(codes)}.")
        messages = problems(codes)
        if messages:
            field.errors = [*field.errors, *messages[:-1]]
            raise ValidationError(messages[-1])


class NaicsPrimary:
    """The primary code, when given, must be one of the codes in `codes_field`."""

    def __init__(self, codes_field: str):
        self.codes_field = codes_field

    def __call__(self, form: Form, field: Field) -> None:
        primary = (field.data or "").strip()
        if primary and primary not in catalog.parse_codes(form[self.codes_field].data):
            raise ValidationError(f"The primary code {primary[:20]} must be one of the codes you listed.")


def primary_code(codes_text: str | None, primary: str | None) -> str | None:
    """The primary code to store: the one chosen, else the first listed."""
    codes = catalog.parse_codes(codes_text)
    chosen = (primary or "").strip()
    if chosen in codes:
        return chosen
    return codes[0] if codes else None
