"""OpenAPI for bodies a route reads itself: `Annotated[dict[str, Any], DocumentedAs(Model)]` arrives as the JSON
object it is (the route authorises before it validates) and is documented as `Model` (e.g. the union of the
commands: `oneOf` one component per command)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema


@dataclass(frozen=True)
class DocumentedAs:
    annotation: Any


class DocumentedAsPlugin(OpenAPISchemaPlugin):
    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return any(isinstance(item, DocumentedAs) for item in field_definition.metadata)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        documented = next(item for item in field_definition.metadata if isinstance(item, DocumentedAs))
        schema = schema_creator.for_field_definition(FieldDefinition.from_annotation(documented.annotation))
        assert not hasattr(schema, "ref"), "a union documents inline (oneOf), not as one reference"
        return schema  # type: ignore[return-value]
