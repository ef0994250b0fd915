"""GraphQL `formSchema(entityType, language)`: the editable fields of an entity type."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.auth.guard import public
from core.codelists.language import FALLBACK, pick_label, request_language
from core.forms.registry import ResolvedField, form_registry
from core.gql.context import Context


@strawberry.type(description="One editable field of an entity type, for building forms.")
class FormFieldSchema:
    name: str = strawberry.field(description="The input field name; `extra.<name>` if extension.")
    type: str = strawberry.field(
        description="string, text, integer, decimal, boolean, date or code."
    )
    required: bool = strawberry.field(description="Needed to save the record, even as a draft.")
    required_to_submit: bool = strawberry.field(
        description="Needed before the record is submitted to validators."
    )
    code_list: str | None = strawberry.field(description="For `code` fields: see `codeList`.")
    label: str
    help: str | None
    nominal: bool = strawberry.field(description="Personal data: never leaves the instance.")
    max_length: int | None
    extension: bool = strawberry.field(description="Added by another plugin; kept in `extra`.")
    module: str = strawberry.field(description="The plugin that declares the field.")

    @classmethod
    def build(cls, resolved: ResolvedField, language: str) -> FormFieldSchema:
        spec = resolved.field
        return cls(
            name=spec.name,
            type=spec.type,
            required=spec.required,
            required_to_submit=spec.required_to_submit or spec.required,
            code_list=spec.code_list,
            label=pick_label(spec.label, language, spec.name),
            help=pick_label(spec.help, language) or None,
            nominal=spec.nominal,
            max_length=spec.max_length,
            extension=resolved.extension,
            module=resolved.module,
        )


@strawberry.type(description="How to edit records of one entity type.")
class FormSchema:
    entity_type: str
    language: str = strawberry.field(
        description=(
            "The language labels are given in: `requestedLanguage` when the form is translated "
            "into it, else the fallback, English."
        )
    )
    requested_language: str = strawberry.field(
        description="The language asked for (argument, account, Accept-Language, default)."
    )
    fields: list[FormFieldSchema]


_BUILT = "core.forms.built"  # in instance.state: (entity type, language) -> FormSchema
_MAX_BUILT = 256


@strawberry.type
class FormQuery:
    # Describes structure, never data: public like the code lists it points to.
    @strawberry.field(
        description="The form of an entity type; null if no enabled module has it.",
        extensions=[public()],
    )
    async def form_schema(
        self, info: Info[Context, None], entity_type: str, language: str | None = None
    ) -> FormSchema | None:
        instance = info.context.instance
        fields = form_registry(instance).fields(entity_type)
        if fields is None:
            return None
        language = await request_language(info.context, language)
        # Forms are declarations, fixed while the instance runs: each is built once per
        # language and then shared by the requests (never changed in place).
        built: dict[tuple[str, str], FormSchema] = instance.state.setdefault(_BUILT, {})
        key = (entity_type, language)
        if key not in built:
            if len(built) >= _MAX_BUILT:  # any 2-3 letter code is a language: stay bounded
                built.clear()
            translated = any(resolved.field.label.get(language) for resolved in fields)
            built[key] = FormSchema(
                entity_type=entity_type,
                language=language if translated else FALLBACK,
                requested_language=language,
                fields=[FormFieldSchema.build(f, language) for f in fields],
            )
        return built[key]
