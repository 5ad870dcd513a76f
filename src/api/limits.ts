// Query depth and cost limits (validation rules): a query deeper than MAX_DEPTH, or whose
// estimated cost (fields × requested list sizes) exceeds MAX_COST, is refused before it runs.
import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";

export const MAX_DEPTH = 12;
export const MAX_COST = 20_000;
// Lists without a `first` argument count as this many elements.
const DEFAULT_LIST_SIZE = 10;

export function depthAndCostLimit(maxDepth = MAX_DEPTH, maxCost = MAX_COST) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const variables = new Map<string, unknown>();
    return {
      OperationDefinition(operation) {
        let maxSeen = 0;
        const measure = (selectionSet: SelectionSetNode, depth: number, visited: Set<string>): number => {
          maxSeen = Math.max(maxSeen, depth);
          let cost = 0;
          for (const selection of selectionSet.selections) {
            if (selection.kind === Kind.FIELD) {
              cost += fieldCost(selection, depth, visited);
            } else if (selection.kind === Kind.INLINE_FRAGMENT) {
              cost += measure(selection.selectionSet, depth, visited);
            } else {
              const name = selection.name.value;
              const fragment = fragments.get(name);
              if (!fragment || visited.has(name)) continue;
              cost += measure(fragment.selectionSet, depth, new Set([...visited, name]));
            }
          }
          return cost;
        };
        const fieldCost = (field: FieldNode, depth: number, visited: Set<string>): number => {
          if (!field.selectionSet) return 1;
          const multiplier = listSize(field, variables);
          return 1 + multiplier * measure(field.selectionSet, depth + 1, visited);
        };
        const cost = measure(operation.selectionSet, 1, new Set());
        if (maxSeen > maxDepth) {
          context.reportError(new GraphQLError(`query depth ${maxSeen} exceeds the limit of ${maxDepth}`, { nodes: [operation], extensions: { code: "BAD_USER_INPUT", field: "query", limit: maxDepth } }));
        } else if (cost > maxCost) {
          context.reportError(new GraphQLError(`query cost ${cost} exceeds the limit of ${maxCost} (lower the first: arguments or select fewer nested lists)`, { nodes: [operation], extensions: { code: "BAD_USER_INPUT", field: "query", cost, limit: maxCost } }));
        }
      },
    };
  };
}

function listSize(field: FieldNode, _variables: Map<string, unknown>): number {
  const first = field.arguments?.find((argument) => argument.name.value === "first" || argument.name.value === "maxPaths");
  if (first?.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  if (first) return 100; // a variable: assume the maximum page size
  return ["edges", "nodes"].includes(field.name.value) ? 1 : DEFAULT_LIST_SIZE;
}
