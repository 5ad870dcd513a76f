// Generic bounds on every argument and variable of an operation, checked once the operation
// is known and before anything executes: any string at most INPUT_LIMITS.stringLength
// characters and free of NUL and other control characters (tab and newlines excepted), any
// list at most INPUT_LIMITS.listLength entries, nesting at most MAX_INPUT_DEPTH. Tighter,
// field-specific bounds (ids, titles, genres, JSON size, rating scale) are applied where the
// value is used (src/services/validation.ts); this pass makes sure that no field, alias or
// variable is unbounded, including ones added to the schema later.
import { Kind, type OperationDefinitionNode, type ValueNode, visit, type DocumentNode } from "graphql";
import { ValidationError } from "../errors";
import { INPUT_LIMITS, excerptOf } from "../services/validation";

/** Input objects around JSON values (input → attributes → JSON) need a little more than the JSON bound. */
export const MAX_INPUT_DEPTH = INPUT_LIMITS.jsonDepth + 4;
export const MAX_VARIABLES = 50;

const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function checkValue(value: unknown, where: string, depth: number): void {
  if (depth > MAX_INPUT_DEPTH) throw new ValidationError(where, "(nested value)", `input nested at most ${MAX_INPUT_DEPTH} deep`);
  if (typeof value === "string") {
    if (value.length > INPUT_LIMITS.stringLength) throw new ValidationError(where, excerptOf(value), `a string of at most ${INPUT_LIMITS.stringLength} characters`);
    if (CONTROL_EXCEPT_WHITESPACE.test(value)) throw new ValidationError(where, excerptOf(value), "text without NUL or other control characters");
  } else if (Array.isArray(value)) {
    if (value.length > INPUT_LIMITS.listLength) throw new ValidationError(where, `${value.length} entries`, `a list of at most ${INPUT_LIMITS.listLength} entries`);
    value.forEach((child, i) => checkValue(child, `${where}[${i}]`, depth + 1));
  } else if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length > INPUT_LIMITS.listLength) throw new ValidationError(where, `${entries.length} keys`, `an object of at most ${INPUT_LIMITS.listLength} keys`);
    for (const [key, child] of entries) {
      if (key.length > INPUT_LIMITS.idLength || CONTROL_EXCEPT_WHITESPACE.test(key))
        throw new ValidationError(where, excerptOf(key), `keys of at most ${INPUT_LIMITS.idLength} characters without control characters`);
      checkValue(child, `${where}.${key}`, depth + 1);
    }
  }
}

function checkLiteral(node: ValueNode, where: string, depth: number): void {
  if (depth > MAX_INPUT_DEPTH) throw new ValidationError(where, "(nested literal)", `input nested at most ${MAX_INPUT_DEPTH} deep`);
  switch (node.kind) {
    case Kind.STRING:
      checkValue(node.value, where, depth);
      return;
    case Kind.LIST:
      if (node.values.length > INPUT_LIMITS.listLength) throw new ValidationError(where, `${node.values.length} entries`, `a list of at most ${INPUT_LIMITS.listLength} entries`);
      node.values.forEach((child, i) => checkLiteral(child, `${where}[${i}]`, depth + 1));
      return;
    case Kind.OBJECT:
      for (const field of node.fields) checkLiteral(field.value, `${where}.${field.name.value}`, depth + 1);
      return;
    default:
      return;
  }
}

const literalsChecked = new WeakSet<DocumentNode>();

/** Throws a ValidationError (BAD_USER_INPUT) naming the first variable or argument over a bound. */
export function checkOperationInputs(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): void {
  const declared = operation.variableDefinitions?.length ?? 0;
  if (declared > MAX_VARIABLES) throw new ValidationError("variables", `${declared} declared`, `at most ${MAX_VARIABLES} variables`);
  for (const [name, value] of Object.entries(variables ?? {})) checkValue(value, `$${name}`, 0);
  // Literal arguments anywhere in the document (operation and fragments): once per parsed
  // document (Apollo reuses the parsed document of a repeated query).
  if (literalsChecked.has(document)) return;
  visit(document, {
    Argument(node) {
      checkLiteral(node.value, node.name.value, 0);
      return false;
    },
  });
  literalsChecked.add(document);
}
