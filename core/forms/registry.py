"""Per instance: each entity type's form, with the extension fields of enabled plugins."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.codelists.sources import CodeListUsage
from core.errors import ModuleLoadError
from core.forms.fields import EntityForm, ExtensionField, FormField
from core.plugins import collect

if TYPE_CHECKING:
    from core.instance import Instance

_STATE_KEY = "forms.registry"


@dataclass(frozen=True)
class ResolvedField:
    field: FormField
    module: str
    extension: bool


@dataclass
class FormRegistry:
    forms: dict[str, tuple[str, EntityForm]] = field(default_factory=dict)
    extensions: dict[str, list[tuple[str, FormField]]] = field(default_factory=dict)

    def fields(self, entity_type: str) -> list[ResolvedField] | None:
        """Own fields then extension fields; None for an entity type no enabled module owns."""
        if entity_type not in self.forms:
            return None
        module, form = self.forms[entity_type]
        own = [ResolvedField(f, module, False) for f in form.fields]
        extra = [ResolvedField(f, p, True) for p, f in self.extensions.get(entity_type, [])]
        return own + extra

    def extension_fields(self, entity_type: str) -> dict[str, FormField]:
        return {f.name: f for _, f in self.extensions.get(entity_type, [])}

    def code_list_usages(self) -> list[CodeListUsage]:
        usages = []
        for entity_type, extensions in self.extensions.items():
            _, form = self.forms[entity_type]
            if form.table is None:
                continue
            usages += [
                CodeListUsage(f.code_list, form.table, form.extra_column, json_key=f.name)
                for _, f in extensions
                if f.code_list is not None
            ]
        return usages


def _build(instance: Instance) -> FormRegistry:
    registry = FormRegistry()
    for plugin, forms in collect(instance.pm, "register_entity_forms"):
        for form in forms:
            if not isinstance(form, EntityForm):
                raise ModuleLoadError(f"{plugin!r}: register_entity_forms must return EntityForm")
            if form.entity_type in registry.forms:
                raise ModuleLoadError(
                    f"entity type {form.entity_type!r} has a form from both "
                    f"{registry.forms[form.entity_type][0]!r} and {plugin!r}"
                )
            names = [f.name for f in form.fields]
            if len(set(names)) != len(names):
                raise ModuleLoadError(f"{plugin!r}: form {form.entity_type} repeats a field name")
            registry.forms[form.entity_type] = (plugin, _with_rules(instance, form))
    for plugin, extensions in collect(instance.pm, "register_extension_fields"):
        for extension in extensions:
            if not isinstance(extension, ExtensionField):
                raise ModuleLoadError(
                    f"{plugin!r}: register_extension_fields must return ExtensionField objects"
                )
            if extension.entity_type not in registry.forms:
                continue  # the owning module is not enabled: the field waits for it
            owner, form = registry.forms[extension.entity_type]
            taken = {f.name: owner for f in form.fields}
            taken |= {f.name: p for p, f in registry.extensions.get(extension.entity_type, [])}
            if extension.field.name in taken:
                raise ModuleLoadError(
                    f"{plugin!r} adds field {extension.field.name!r} to "
                    f"{extension.entity_type}, which {taken[extension.field.name]!r} already has"
                )
            registry.extensions.setdefault(extension.entity_type, []).append(
                (plugin, extension.field)
            )
    return registry


def requirement_name(path: str) -> str:
    """The form field a rule's input path names: `place.country` -> `placeCountry`."""
    from strawberry.utils.str_converters import to_camel_case

    return to_camel_case(path.replace(".", "_"))


def _with_rules(instance: Instance, form: EntityForm) -> EntityForm:
    """`required` and `requiredToSubmit` from the record type's rules: declared once there."""
    from core.records.registry import record_registry

    rt = record_registry(instance).get(form.entity_type)
    if rt is None or not rt.requirements:
        return form  # no declarative rules (conveyances check per kind): the form says it
    on_save = {requirement_name(r.field) for r in rt.requirements if r.on_save}
    to_submit = on_save | {requirement_name(r.field) for r in rt.requirements if not r.on_save}
    fields = [
        dataclasses.replace(
            f,
            required=f.name in on_save,
            required_to_submit=f.name in to_submit,
        )
        for f in form.fields
    ]
    return dataclasses.replace(form, fields=fields)


def form_registry(instance: Instance) -> FormRegistry:
    if _STATE_KEY not in instance.state:
        instance.state[_STATE_KEY] = _build(instance)
    return instance.state[_STATE_KEY]
