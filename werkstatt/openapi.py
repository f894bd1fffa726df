"""OpenAPI for bodies a route reads itself: `Annotated[dict[str, Any], DocumentedAs(Model)]` arrives as the JSON
object it is (the route authorises before it validates) and is documented as `Model` (e.g. a discriminated
union of commands, with its `discriminator`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from litestar.openapi.spec import Discriminator, Reference, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from pydantic.fields import FieldInfo

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator


@dataclass(frozen=True)
class DocumentedAs:
    annotation: Any


class DocumentedAsPlugin(OpenAPISchemaPlugin):
    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return any(isinstance(item, DocumentedAs) for item in field_definition.metadata)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        documented = next(item for item in field_definition.metadata if isinstance(item, DocumentedAs))
        schema = schema_creator.for_field_definition(FieldDefinition.from_annotation(documented.annotation))
        assert isinstance(schema, Schema)
        tag = next(
            (item.discriminator for item in get_args(documented.annotation)[1:] if isinstance(item, FieldInfo)), None
        )
        if isinstance(tag, str) and schema.one_of:
            schema.discriminator = Discriminator(
                property_name=tag, mapping=_mapping(documented.annotation, tag, schema)
            )
        return schema


def _mapping(annotation: Any, tag: str, schema: Schema) -> dict[str, str]:
    """`type` value → the component that documents it (`#/components/schemas/StartStep`), in the union's order."""
    members = get_args(get_args(annotation)[0])
    found: dict[str, str] = {}
    for model, member in zip(members, schema.one_of or [], strict=True):
        if isinstance(member, Reference):
            for value in get_args(model.model_fields[tag].annotation):
                found[str(value)] = member.ref
    return found
