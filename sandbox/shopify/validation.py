"""A request's static validation as Shopify answers it: first against Shopify's published Admin schema of the
version the request names (published_schema.py), then against the subset the sandbox serves (schema.graphql).

Shopify runs graphql-ruby: its validation errors carry `extensions.code` and the names involved, a `path` of
response keys from the operation (`["query", "products", "nodes", "bodyHtml"]`, `"query Name"`,
`"... on Type"`, `"fragment Name"`) and graphql-ruby's wording, e.g.
`{"message": "Field 'bodyHtml' doesn't exist on type 'Product'", "extensions": {"code": "undefinedField",
"typeName": "Product", "fieldName": "bodyHtml"}}` (shapes as seen in answers of graphql-ruby APIs, e.g.
github.com/shurcooL/githubv4 issues; graphql-ruby lib/graphql/static_validation/rules/*_error.rb).
A document valid for Shopify that names what the sandbox does not serve answers the same shape with code
`notServedBySandbox` naming it: never a made-up value."""
from __future__ import annotations

import logging
import re

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    validate,
)
from graphql.execution.values import get_variable_values

from .published_schema import PublishedSchemaMissing, published_schema, published_version_for

logger = logging.getLogger(__name__)
NOT_SERVED = "notServedBySandbox"
_warned: set[str] = set()

_UNDEFINED_FIELD = re.compile(r"^Cannot query field '(\w+)' on type '(\w+)'\.")
_UNKNOWN_ARGUMENT = re.compile(r"^Unknown argument '(\w+)' on field '(\w+)\.(\w+)'\.")
_UNKNOWN_DIRECTIVE_ARGUMENT = re.compile(r"^Unknown argument '(\w+)' on directive '@(\w+)'\.")
_MISSING_ARGUMENT = re.compile(r"^Argument '(?:\w+\.)?(\w+)\((\w+):\)' of type '(.+)' is required")
_UNKNOWN_TYPE = re.compile(r"^Unknown type '(\w+)'\.")
_VARIABLE_MISMATCH = re.compile(r"^Variable '\$(\w+)' of type '(.+)' used in position expecting type '(.+)'\.")
_NO_SUBFIELDS = re.compile(r"^Field '(\w+)' must not have a selection since type '(.+)' has no subfields\.")
_NEEDS_SUBFIELDS = re.compile(r"^Field '(\w+)' of type '(.+)' must have a selection of subfields\.")
_VARIABLE_UNDEFINED = re.compile(r"^Variable '\$(\w+)' is not defined")
_VARIABLE_UNUSED = re.compile(r"^Variable '\$(\w+)' is never used")
_FRAGMENT_UNUSED = re.compile(r"^Fragment '(\w+)' is never used\.")
_FRAGMENT_UNKNOWN = re.compile(r"^Unknown fragment '(\w+)'\.")
_UNKNOWN_DIRECTIVE = re.compile(r"^Unknown directive '@(\w+)'\.")


def _paths(document: DocumentNode) -> tuple[dict[int, list[str]], dict[int, str]]:
    """graphql-ruby's error path of every field, argument and fragment node, by node identity; and the
    argument (or input field) each variable usage stands for."""
    paths: dict[int, list[str]] = {}
    argument_of: dict[int, str] = {}

    def _variables_in(value: Node, name: str, path: list[str]) -> None:
        # A variable used as an argument (or an input field) is named by it in a variableMismatch.
        if isinstance(value, VariableNode):
            paths[id(value)] = path
            argument_of[id(value)] = name
        for field in getattr(value, "fields", None) or ():
            _variables_in(field.value, field.name.value, [*path, field.name.value])
        for item in getattr(value, "values", None) or ():
            _variables_in(item, name, path)

    def walk(selection_set: SelectionSetNode | None, path: list[str]) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                here = [*path, (selection.alias or selection.name).value]
                for argument in selection.arguments or ():
                    paths[id(argument)] = [*here, argument.name.value]
                    _variables_in(argument.value, argument.name.value, [*here, argument.name.value])
                walk(selection.selection_set, here)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                here = [*path, f"... on {condition}" if condition else "..."]
                walk(selection.selection_set, here)
            elif isinstance(selection, FragmentSpreadNode):
                here = [*path, f"... {selection.name.value}"]
            else:
                continue
            paths[id(selection)] = here

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = definition.operation.value + (f" {definition.name.value}" if definition.name else "")
        elif isinstance(definition, FragmentDefinitionNode):
            root = f"fragment {definition.name.value}"
        else:
            continue
        paths[id(definition)] = [root]
        walk(definition.selection_set, [root])
    return paths, argument_of


def _variable_definition_types(document: DocumentNode) -> dict[int, str]:
    """The named type node of every variable definition, by node identity -> the variable's name."""
    found: dict[int, str] = {}

    def named(node: Node, variable: str) -> None:
        inner = getattr(node, "type", None)
        if inner is not None:
            named(inner, variable)
        else:
            found[id(node)] = variable

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                named(variable.type, variable.variable.name.value)
    return found


def _shape(error: GraphQLError, variable_types: dict[int, str], argument_of: dict[int, str]
           ) -> tuple[str, dict] | None:
    """graphql-ruby's (message, extensions) for one graphql-core validation error; None when unmapped."""
    text = error.message
    if m := _UNDEFINED_FIELD.match(text):
        field, type_name = m.groups()
        return (f"Field '{field}' doesn't exist on type '{type_name}'",
                {"code": "undefinedField", "typeName": type_name, "fieldName": field})
    if m := _UNKNOWN_ARGUMENT.match(text):
        argument, _, field = m.groups()
        return (f"Field '{field}' doesn't accept argument '{argument}'",
                {"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": argument})
    if m := _UNKNOWN_DIRECTIVE_ARGUMENT.match(text):
        argument, directive = m.groups()
        return (f"Directive '{directive}' doesn't accept argument '{argument}'",
                {"code": "argumentNotAccepted", "name": directive, "typeName": "Directive", "argumentName": argument})
    if m := _MISSING_ARGUMENT.match(text):
        field, argument, _ = m.groups()
        return (f"Field '{field}' is missing required arguments: {argument}",
                {"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": argument})
    if m := _UNKNOWN_TYPE.match(text):
        type_name = m.group(1)
        node = error.nodes[0] if error.nodes else None
        if node is not None and id(node) in variable_types:
            variable = variable_types[id(node)]
            return (f"{type_name} isn't a defined input type (on ${variable})",
                    {"code": "variableRequiresValidType", "typeName": type_name, "variableName": variable})
        return (f"No such type {type_name}, so it can't be a fragment condition",
                {"code": "undefinedType", "typeName": type_name})
    if m := _VARIABLE_MISMATCH.match(text):
        variable, variable_type, expected = m.groups()
        argument = _argument_of(error, argument_of)
        return (f"Type mismatch on variable ${variable} and argument {argument} ({variable_type} / {expected})",
                {"code": "variableMismatch", "variableName": variable, "typeName": variable_type,
                 "argumentName": argument, "errorMessage": "Type mismatch"})
    if m := _NO_SUBFIELDS.match(text):
        field, type_name = m.groups()
        return (f"Selections can't be made on scalars (field '{field}' returns {type_name} but has selections)",
                {"code": "selectionMismatch", "nodeName": f"field '{field}'", "typeName": type_name})
    if m := _NEEDS_SUBFIELDS.match(text):
        field, type_name = m.groups()
        return (f"Field must have selections (field '{field}' returns {type_name} but has no selections. "
                f"Did you mean '{field} {{ ... }}'?)", {"code": "selectionMismatch", "nodeName": f"field '{field}'"})
    if m := _VARIABLE_UNDEFINED.match(text):
        return (f"Variable ${m.group(1)} is used but not declared",
                {"code": "variableNotDefined", "variableName": m.group(1)})
    if m := _VARIABLE_UNUSED.match(text):
        return (f"Variable ${m.group(1)} is declared but not used",
                {"code": "variableNotUsed", "variableName": m.group(1)})
    if m := _FRAGMENT_UNUSED.match(text):
        return (f"Fragment {m.group(1)} was defined, but not used",
                {"code": "useAndDefineFragment", "fragmentName": m.group(1)})
    if m := _FRAGMENT_UNKNOWN.match(text):
        return (f"Fragment {m.group(1)} was used, but not defined",
                {"code": "useAndDefineFragment", "fragmentName": m.group(1)})
    if m := _UNKNOWN_DIRECTIVE.match(text):
        return (f"Directive @{m.group(1)} is not defined", {"code": "undefinedDirective", "directiveName": m.group(1)})
    return None


def _argument_of(error: GraphQLError, argument_of: dict[int, str]) -> str:
    for node in error.nodes or ():
        if id(node) in argument_of:
            return argument_of[id(node)]
    return ""


def _formatted(error: GraphQLError, index: tuple, *, not_served_in: str | None = None) -> dict:
    paths, argument_of, variable_types = index
    shaped = _shape(error, variable_types, argument_of)
    out: dict = {"message": error.message}
    if shaped is not None:
        out["message"], extensions = shaped
        if not_served_in is not None:
            extensions = {**extensions, "shopifyCode": extensions["code"], "code": NOT_SERVED}
            out["message"] = (f"{out['message']} in this sandbox, although Shopify's Admin API {not_served_in} "
                              "has it: the sandbox does not serve it yet")
    elif not_served_in is not None:
        extensions = {"code": NOT_SERVED}
        out["message"] = f"Not served by this sandbox (valid in Shopify's Admin API {not_served_in}): {error.message}"
    else:
        extensions = None
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    for node in error.nodes or ():
        if id(node) in paths:
            out["path"] = paths[id(node)]
            break
    if extensions is not None:
        out["extensions"] = extensions
    return out


def _published(version: str) -> tuple[str, GraphQLSchema] | None:
    chosen = published_version_for(version)
    if chosen is None:
        if "missing" not in _warned:
            _warned.add("missing")
            logger.warning("Shopify's published Admin schemas are not installed; the Shopify sandbox validates "
                           "against its own schema only (npm ci --ignore-scripts in sandbox/shopify/published/).")
        return None
    try:
        return chosen, published_schema(chosen)
    except PublishedSchemaMissing:
        return None


def validation_errors(document: DocumentNode, served: GraphQLSchema, version: str) -> list[dict]:
    """The errors Shopify answers for `document` at API `version`, then those of what the sandbox does not serve;
    [] when both accept it."""
    published = _published(version)
    index = (*_paths(document), _variable_definition_types(document))
    if published is not None:
        problems = validate(published[1], document)
        if problems:
            return [_formatted(p, index) for p in problems]
    problems = validate(served, document)
    not_served_in = published[0] if published is not None else None
    return [_formatted(p, index, not_served_in=not_served_in) for p in problems]


def variable_errors(operation: OperationDefinitionNode, variables: dict | None, version: str) -> list[dict]:
    """Shopify's refusal of the variables (an input field its schema of `version` does not have, a wrong type);
    [] when they coerce, or when the published schemas are not installed."""
    published = _published(version)
    if published is None:
        return []
    coerced = get_variable_values(published[1], operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return [dict(e.formatted, extensions={"code": "INVALID_VARIABLE"}) for e in coerced]
    return []
