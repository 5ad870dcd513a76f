// What an operation will cost, estimated before it runs, with its variables' values known
// (so `first: $n` and cursors count as sent). Written here rather than taken from
// graphql-armor's cost-limit rule: that rule charges flat amounts per object and scalar and
// cannot read arguments, so it cannot tell `recommendations(first: 1)` from
// `recommendations(first: 100, diversity: 1)` (measured on main: 1,000 aliases of the latter
// cost "2,000" and held the server 17.8 s). Armor's own rules still bound tokens, aliases,
// directives and depth (src/api/server.ts).
//
// Units: one unit per field in the response, plus the work a field does besides returning its
// children: ranking scores every catalogue item (nItems / 100 units), diversity re-ranking
// compares each pick with every item (picks × nItems / 100), an explanation walks the user's
// neighbourhood, a database-backed list or connection runs queries (DB_QUERY units each).
// Lists multiply their children by their length (`first`, the `first` of the enclosing
// connection for `edges`, else a fixed bound). Aliases add up like any other field.
// Calibration (MovieLens 100K, ALS, production server, machine shared with test runs): one
// unit is ~50 µs of server time — recommendations(first: 100, diversity: 1) estimates 1,729
// and took 83 ms; with an offset of 898 it estimates ~16,800 and took 462 ms in one block.
// Two limits follow: the operation's total (MAX_QUERY_COST) bounds a request's wall time, and
// one field's own work (MAX_FIELD_COST) bounds how long the event loop is held at once, since
// ranking resolvers yield between fields but not inside one.
import {
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { EVALUATION_REPORT_LIMITS } from "../services/evaluationReports";
import { decodeCursor } from "./pagination";

/** Items scored per unit of cost. */
export const ITEMS_PER_UNIT = 100;
/** One database query of a list (a page, a count): measured ~2 ms each under load, ~40 units. */
export const DB_QUERY = 40;
/** user → item → user steps an explanation walks per unit (measured: ~110,000 steps, ~90 ms). */
const EXPLAIN_STEPS_PER_UNIT = 50;
/** Length assumed for a list without a `first` argument and without a known bound. */
const DEFAULT_LIST_SIZE = 10;

export interface CostInputs {
  /** Items in the served catalogue (ranking work grows with it). */
  catalogItems: number;
  /** Registered models (the `models` list). */
  models: number;
  /** Steps an explanation for this user walks (0 for unknown users). */
  explainSteps(userId: string): number;
}

export interface CostEstimate {
  /** The whole operation. */
  total: number;
  /** The most work one field does on its own (it runs without a pause). */
  maxField: number;
  /** Response path of that field ("alias" or "field"). */
  maxFieldName: string;
}

type Args = Record<string, unknown>;

/** Extra work of a field beyond its children, by "Type.field". */
const FIELD_WORK: Record<string, (args: Args, inputs: CostInputs) => number> = {
  "Query.recommendations": (args, inputs) => rankingWork(args, inputs),
  "Query.recommendationsForProfile": (args, inputs) => rankingWork(args, inputs) + listLength(args.ratings) / 10,
  "Query.nextItems": (args, inputs) => rankingWork(args, inputs),
  "Query.similarItems": (_args, inputs) => inputs.catalogItems / ITEMS_PER_UNIT,
  // Paths through the interaction graph: bounded by the user's and the item's neighbourhoods.
  "Query.explain": (args, inputs) => (typeof args.userId === "string" ? inputs.explainSteps(args.userId) : 0) / EXPLAIN_STEPS_PER_UNIT,
  // Connections run a page query and a count.
  "Query.users": () => 2 * DB_QUERY,
  // Ordered by rating count: the page query aggregates the ratings table.
  "Query.items": () => 3 * DB_QUERY,
  "Query.genres": () => DB_QUERY,
  "Query.modelRuns": () => DB_QUERY,
  // Batched: one page query and one count for all the users of a list (DataLoader).
  "User.ratings": () => 1,
  "Job.modelRun": () => DB_QUERY,
  // A folder listing and a stat per file; files are parsed once per change (cached by mtime).
  "Query.evaluationReports": () => DB_QUERY,
};

/** Fixed lengths of lists that take no `first`. */
const LIST_SIZE: Record<string, (args: Args, inputs: CostInputs) => number> = {
  "Query.models": (_args, inputs) => inputs.models,
  "Query.genres": (args) => numberArg(args.first, 100),
  "Query.jobs": (args) => numberArg(args.first, 20),
  "Query.similarItems": (args) => numberArg(args.first, 10),
  "Explanation.paths": () => 20,
  "Explanation.becauseYouRated": () => 5,
  "GraphPath.nodes": () => 4,
  "ModelInfo.parameters": () => 20,
  "Query.evaluationReports": (args) => numberArg(args.first, 10),
  "EvaluationReport.rows": () => EVALUATION_REPORT_LIMITS.maxRows,
};

function numberArg(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.max(1, value) : fallback;
}

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function rankingWork(args: Args, inputs: CostInputs): number {
  const first = numberArg(args.first, 10);
  let offset = 0;
  try {
    offset = typeof args.after === "string" ? decodeCursor(args.after) : 0;
  } catch {
    offset = 0; // a bad cursor is refused by the resolver; it costs nothing here
  }
  const want = Math.min(offset + first, inputs.catalogItems);
  const scoring = inputs.catalogItems / ITEMS_PER_UNIT;
  const diversity = typeof args.diversity === "number" && args.diversity > 0;
  // MMR: each pick computes the picked item's similarity to every item, then scans the pool.
  const pool = Math.min(Math.max(3 * want, want + 50), inputs.catalogItems);
  const rerank = diversity ? (want * inputs.catalogItems) / ITEMS_PER_UNIT + (want * pool) / (10 * ITEMS_PER_UNIT) : 0;
  return scoring + rerank + offset / ITEMS_PER_UNIT;
}

export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  inputs: CostInputs,
): CostEstimate {
  const estimate: CostEstimate = { total: 0, maxField: 0, maxFieldName: "" };
  const root = operation.operation === "mutation" ? schema.getMutationType() : operation.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return estimate;

  const argumentsOf = (field: FieldNode): Args => {
    const args: Args = {};
    for (const argument of field.arguments ?? []) args[argument.name.value] = valueFromASTUntyped(argument.value, variables);
    return args;
  };

  // pageSize: the `first` of an enclosing connection field, which sizes its `edges` list.
  const measure = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, visited: ReadonlySet<string>, pageSize?: number): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += fieldCost(selection, parent, visited, pageSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) cost += measure(selection.selectionSet, type, visited, pageSize);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        // Cycles are refused by validation; this guard only keeps the estimate finite.
        if (!fragment || !type || !isCompositeType(type) || visited.has(name)) continue;
        cost += measure(fragment.selectionSet, type, new Set([...visited, name]), pageSize);
      }
    }
    return cost;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLCompositeType, visited: ReadonlySet<string>, pageSize: number | undefined): number => {
    const name = field.name.value;
    // Introspection is bounded by the schema itself (and off in production unless configured).
    if (name.startsWith("__")) return 0;
    const definition = fieldDefinition(parent, name);
    if (!definition) return 1; // unknown fields are reported by the standard rules
    const key = `${parent.name}.${name}`;
    const args = argumentsOf(field);
    const work = FIELD_WORK[key]?.(args, inputs) ?? 0;
    if (work > estimate.maxField) {
      estimate.maxField = Math.ceil(work);
      estimate.maxFieldName = field.alias?.value ?? name;
    }
    if (!field.selectionSet) return 1 + work;
    const named = getNamedType(definition.type);
    if (!isCompositeType(named)) return 1 + work;
    const first = typeof args.first === "number" ? Math.max(1, args.first) : undefined;
    if (isListType(getNullableType(definition.type))) {
      const size = LIST_SIZE[key]?.(args, inputs) ?? first ?? (name === "edges" ? pageSize : undefined) ?? DEFAULT_LIST_SIZE;
      return 1 + work + size * measure(field.selectionSet, named, visited);
    }
    // A connection: its `first` (or the schema default of 10/20) sizes the `edges` list below it.
    const defaultFirst = definition.args.find((a) => a.name === "first")?.defaultValue;
    return 1 + work + measure(field.selectionSet, named, visited, first ?? (typeof defaultFirst === "number" ? defaultFirst : undefined));
  };

  estimate.total = Math.ceil(measure(operation.selectionSet, root, new Set()));
  return estimate;
}

function fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}
