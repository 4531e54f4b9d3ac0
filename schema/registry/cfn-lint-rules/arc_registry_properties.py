"""cfn-lint rule: validate the Properties of registry-schema types (Arc::DynamoDB::Table).

cfn-lint 1.51 loads `--registry-schemas` (so the type no longer gets E3006) but its resource
Properties rule (E3002) looks schemas up per region by hash, and registry types have no hash, so
their properties are never checked (cfnlint/schema/manager.py, get_resource_schemas_by_regions).
This rule runs E3002's own validation with the registry schema for exactly those types; its
findings carry E3002's child rule IDs (E3002 unknown property, E3003 required, E3012 type, E3030
enum...) as a fixed cfn-lint would report them. It stays silent for a type cfn-lint already
validates itself, so a fixed cfn-lint never reports anything twice.

Use:  cfn-lint --registry-schemas schema/registry/ --append-rules schema/registry/cfn-lint-rules/ -t TEMPLATE
"""

from collections import deque

# Imported as a module: a class in this module's namespace would be loaded as a second E3002.
from cfnlint.rules.resources.properties import Properties as _properties
from cfnlint.helpers import FUNCTIONS
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER


class ArcRegistryProperties(_properties.Properties):
    id = "E9301"
    shortdesc = "Properties of registry-schema resource types"
    description = "Validates resource properties against schemas loaded with --registry-schemas"
    source_url = "https://github.com/sourcefuse/arc-dynamodb/blob/main/docs/editors.md"
    tags = ["resources", "registry"]

    def validate(self, validator, keywords, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        t = instance.get("Type")
        registry = getattr(PROVIDER_SCHEMA_MANAGER, "_registry_schemas", {})
        if not validator.is_type(t, "string") or t not in registry:
            return
        if any(True for _ in PROVIDER_SCHEMA_MANAGER.get_resource_schemas_by_regions(t, validator.context.regions)):
            return  # this cfn-lint validates registry types itself
        properties = instance.get("Properties", {})
        if not validator.is_type(properties, "object"):
            return
        resolved = {instance["Condition"]: True} if validator.is_type(instance.get("Condition"), "string") else {}
        # The same context E3002 validates with: intrinsic functions allowed, CloudFormation's
        # lenient scalar types ("5" for an integer).
        base = validator.evolve(
            context=validator.context.evolve(
                functions=list(FUNCTIONS),
                strict_types=False,
                conditions=validator.context.conditions.evolve(resolved),
            ),
            function_filter=validator.function_filter.evolve(add_cfn_lint_keyword=True),
        )
        v = base.evolve(
            context=base.context.evolve(
                path=base.context.path.evolve(cfn_path=deque(["Resources", t, "Properties"])).descend(path="Properties"),
            ),
        )
        v = self.extend_validator(v, registry[t].schema, v.context.evolve())
        for err in self._validate(v, properties):
            err.path.appendleft("Properties")
            yield err
