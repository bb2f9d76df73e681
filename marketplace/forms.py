"""Form helpers shared by every domain."""
from __future__ import annotations

from flask_wtf import FlaskForm

from marketplace.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None, *,
                       show_unplaced: bool = False) -> bool:
    """Put a service's field messages on the form's fields; True if any landed on a field.

    `aliases` maps a service's field names to the form's. Messages for fields the form lacks are
    shown on the form itself with `show_unplaced`; when nothing lands on a field, the error's own
    message is shown on the form.
    """
    aliases = aliases or {}
    on_field = shown = False
    for key, messages in (error.errors or {}).items():
        name = aliases.get(key, key)
        if name in form._fields:
            form[name].errors = list(form[name].errors) + list(messages)
            on_field = shown = True
        elif show_unplaced:
            form.form_errors.extend(messages)
            shown = True
    if not shown:
        form.form_errors.append(error.message)
    return on_field
