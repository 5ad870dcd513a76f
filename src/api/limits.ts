// Query depth and cost limits (a validation rule): a query deeper than MAX_DEPTH, or whose
// estimated cost exceeds MAX_COST, is refused before it runs. Cost: every field costs 1;
// the selections under a list field are multiplied by its expected length (`first`, or
// 100 when `first` is a variable, or 10 for lists without one).
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

export const MAX_DEPTH = 12;
export const MAX_COST = 20_000;
const DEFAULT_LIST_SIZE = 10;
const VARIABLE_LIST_SIZE = 100;

export function depthAndCostLimit(maxDepth = MAX_DEPTH, maxCost = MAX_COST) {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const root = operation.operation === "mutation" ? schema.getMutationType() : operation.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
        if (!root) return;
        let deepest = 0;
        // pageSize: the `first` of an enclosing connection field, which sizes its `edges` list.
        const measure = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, depth: number, visited: ReadonlySet<string>, pageSize?: number): number => {
          deepest = Math.max(deepest, depth);
          let cost = 0;
          for (const selection of selectionSet.selections) {
            if (selection.kind === Kind.FIELD) {
              cost += fieldCost(selection, parent, depth, visited, pageSize);
            } else if (selection.kind === Kind.INLINE_FRAGMENT) {
              const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
              if (type && isCompositeType(type)) cost += measure(selection.selectionSet, type, depth, visited, pageSize);
            } else {
              const name = selection.name.value;
              const fragment = fragments.get(name);
              const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
              if (!fragment || !type || !isCompositeType(type) || visited.has(name)) continue;
              cost += measure(fragment.selectionSet, type, depth, new Set([...visited, name]), pageSize);
            }
          }
          return cost;
        };
        const fieldCost = (field: FieldNode, parent: GraphQLCompositeType, depth: number, visited: ReadonlySet<string>, pageSize: number | undefined): number => {
          if (!field.selectionSet) return 1;
          const definition = fieldDefinition(parent, field.name.value);
          if (!definition) return 1; // unknown fields are reported by the standard rules
          const named = getNamedType(definition.type);
          if (!isCompositeType(named)) return 1;
          const own = requestedSize(field);
          if (isListType(getNullableType(definition.type))) {
            return 1 + (own ?? pageSize ?? DEFAULT_LIST_SIZE) * measure(field.selectionSet, named, depth + 1, visited);
          }
          // A connection: its `first` sizes the `edges` list below it.
          return 1 + measure(field.selectionSet, named, depth + 1, visited, own);
        };
        const cost = measure(operation.selectionSet, root, 1, new Set());
        if (deepest > maxDepth) {
          context.reportError(new GraphQLError(`query depth ${deepest} exceeds the limit of ${maxDepth}`, { nodes: [operation], extensions: { code: "BAD_USER_INPUT", field: "query", limit: maxDepth } }));
        } else if (cost > maxCost) {
          context.reportError(
            new GraphQLError(`query cost ${cost} exceeds the limit of ${maxCost} (lower the first: arguments or select fewer nested lists)`, {
              nodes: [operation],
              extensions: { code: "BAD_USER_INPUT", field: "query", cost, limit: maxCost },
            }),
          );
        }
      },
    };
  };
}

function fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

/** The list length a field asks for with `first`/`maxPaths` (the maximum when it is a variable). */
function requestedSize(field: FieldNode): number | undefined {
  const argument = field.arguments?.find((a) => a.name.value === "first" || a.name.value === "maxPaths");
  if (argument?.value.kind === Kind.INT) return Math.max(1, Number(argument.value.value));
  if (argument) return VARIABLE_LIST_SIZE;
  return undefined;
}
