"""Form schemas for frontends, and extension fields added by country plugins. See
docs/forms.md."""

from core.forms.extra import (
    enabled_extra,
    extension_search_parts,
    extension_values_field,
    validate_extra,
)
from core.forms.fields import EntityForm, ExtensionField, FormField, column_field

__all__ = [
    "EntityForm",
    "ExtensionField",
    "FormField",
    "column_field",
    "enabled_extra",
    "extension_search_parts",
    "extension_values_field",
    "validate_extra",
]
