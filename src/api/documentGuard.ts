// The first look at a GraphQL document, before Apollo parses and validates it: a token
// budget (graphql-js `parse` with maxTokens) and a bound on how often one response name may
// appear in one selection set. Written here because no maintained rule covers the second
// one: graphql-js's OverlappingFieldsCanBeMerged compares every pair of fields that share a
// response name, so validation time grows with the square of repeated fields (measured with
// graphql 16.12 on this machine: 250 repeated `ok` fields 20 ms, 500 fields 72 ms, 1,000
// fields 180–270 ms; on main a 96 KB document of them blocked the server 17 s). The check
// runs in linear time and refuses such documents before validation starts. Aliases,
// directives and depth are bounded by graphql-armor's validation rules (src/api/server.ts).
import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

/** One response name at most this many times in a selection set (inline fragments and fragments flattened). */
export const MAX_SAME_RESPONSE_NAME = 20;

export interface GuardLimits {
  maxTokens: number;
}

/** A refused document: the GraphQL error to send (HTTP 400). */
export function limitError(message: string, rule: string, limit: number, found?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX", rule, limit, ...(found === undefined ? {} : { found }), http: { status: 400 } } });
}

/** Verdicts of recently seen documents, per server (a document's text and the limits decide its verdict). */
const VERDICT_CACHE_SIZE = 1_000;

/** The document check (token budget, repeated response names) with a cache: clients send the same few documents over and over (variables change, the text does not). */
export function documentGuard(limits: GuardLimits): (query: string) => GraphQLError | undefined {
  const verdicts = new Map<string, GraphQLError | null>();
  return (query) => {
    const cached = verdicts.get(query);
    if (cached !== undefined) return cached ?? undefined;
    const verdict = judge(query, limits);
    if (verdicts.size >= VERDICT_CACHE_SIZE) verdicts.delete(verdicts.keys().next().value as string);
    verdicts.set(query, verdict ?? null);
    return verdict;
  };
}

/**
 * Parses `query` under the token budget and checks repeated response names. Returns the
 * refusal, or undefined when the document may go on to Apollo (which reports syntax errors
 * itself, so a document that does not parse for other reasons also returns undefined).
 */
function judge(query: string, limits: GuardLimits): GraphQLError | undefined {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (error) {
    if (error instanceof GraphQLError && /more tha[nt] \d+ tokens/.test(error.message)) {
      return limitError(`the document has more than ${limits.maxTokens} tokens`, "maxTokens", limits.maxTokens);
    }
    return undefined;
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  // Counts response names of one selection set, flattening inline fragments and each named
  // fragment once (as OverlappingFieldsCanBeMerged collects them).
  const countNames = (selectionSet: SelectionSetNode, counts: Map<string, number>, seenFragments: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        countNames(selection.selectionSet, counts, seenFragments);
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) countNames(fragment.selectionSet, counts, seenFragments);
      }
    }
  };

  let refusal: GraphQLError | undefined;
  const visitSet = (selectionSet: SelectionSetNode): void => {
    if (refusal) return;
    const counts = new Map<string, number>();
    countNames(selectionSet, counts, new Set());
    for (const [name, count] of counts) {
      if (count > MAX_SAME_RESPONSE_NAME) {
        refusal = limitError(
          `the response name "${name.slice(0, 64)}" appears ${count} times in one selection set (limit ${MAX_SAME_RESPONSE_NAME})`,
          "maxSameResponseName",
          MAX_SAME_RESPONSE_NAME,
          count,
        );
        return;
      }
    }
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) visitSet(selection.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) visitSet(definition.selectionSet);
  }
  return refusal;
}
