"""Form schemas for frontends, and extension fields added by country plugins. See
docs/forms.md."""

from core.forms.extra import extension_search_parts, validate_extra
from core.forms.fields import EntityForm, ExtensionField, FormField, column_field

__all__ = [
    "EntityForm",
    "ExtensionField",
    "FormField",
    "column_field",
    "extension_search_parts",
    "validate_extra",
]
