// The architecture rules of src/, checked by dependency-cruiser (`npm run lint:deps`, part of `npm test`;
// test/app/boundaries.test.ts runs the same rules on src and on planted violations).
//
// Pinned to dependency-cruiser 17.x: it supports Node ^20.12, and this project runs on Node 20.
// Version 18 needs Node 22; move to it when the project does.
//
// Layers, lowest first; a layer imports only layers below it (and the leaves):
//   src/db → src/data → src/graph → src/models → src/services → src/api
// Leaves, usable from every layer, import no layer: src/math, src/util, src/tf, src/errors.ts, src/config.ts.
// src/eval (offline evaluation) is usable from every layer too, as before this check existed; it reads
// data, models and database snapshots itself, so the one thing asked of it is to stay below services.
// Entry points (src/app.ts, src/worker.ts) wire everything together; nothing in a layer imports them.
//
// Paths in the rules are relative to the folder depcruise runs in (the repository root).

/** Layers in order, lowest first. */
const LAYERS = ["db", "data", "graph", "models", "services", "api"];
const LEAVES = "^src/(math|util|tf)/|^src/(errors|config)\\.ts$";
const ENTRY_POINTS = "^src/(app|worker)\\.ts$";

/**
 * The sibling-model rule. Directly in a family folder (src/models/<family>/) each entry is a model, a
 * part of one, or a module the family shares:
 *  - a model is a file or folder with a lower-case name (als.ts, graph/ngcf/) that exports the model's
 *    registry definition; its parts are files named <model><Part>.ts (sasrecNetwork.ts is part of sasrec);
 *  - a shared module has one of the names below (a file <name>.ts or a folder <name>/); its parts are
 *    named <name><Part>.ts like a model's (ncfNetwork.ts is part of ncf, so shared too).
 * A model (or a part of it) must not import another model or another model's parts: what two models
 * share goes into a shared module or into the training kit. src/models/training/ (the kit) and the
 * files directly in src/models/ (base, definition, params, types, embedding, registry, ...) are not in
 * a family folder, so every model may import them.
 *   index            the family's list of definitions
 *   common           helpers the family's models use
 *   kernels          numeric kernels
 *   embedding        embedding tables and their updates
 *   shared           anything else the family shares
 *   itemItem         the item-to-item scorer of item kNN and EASE
 *   ncf              the one NCF implementation that gmf.ts, mlp.ts and neumf.ts configure
 *   randomWalk       the random-walk similarity that p3alpha.ts and rp3beta.ts configure
 *   userAutoencoder  the user-row autoencoder that cdae.ts and multvae.ts extend
 *   graphFilter      the filter models' base, the normalised graph, its device and kernels (gfcf.ts, bspm.ts, chebycf.ts)
 * test/app/boundaries.test.ts checks src/models against this: every entry that exports no registry
 * definition is a shared module or a part of a model, and no model is named like a shared module.
 */
const FAMILY_SHARED = ["index", "common", "kernels", "embedding", "shared", "itemItem", "ncf", "randomWalk", "userAutoencoder", "graphFilter"];
/** A model or a part of one: $1 the family, $2 the model's name (the part's name up to its first capital). */
const MODEL_UNIT = "^src/models/(?!training/)([^/]+)/([^/.A-Z]+)([A-Z][^/.]*|)(\\.ts$|/)";
const SHARED_UNIT = `^src/models/[^/]+/(${FAMILY_SHARED.join("|")})([A-Z][^/.]*|)(\\.ts$|/)`;

const PRISMA = "(^|/)node_modules/(@prisma/|prisma/)|^@prisma/|^prisma$|^src/db/generated/";
const GRAPHQL = "(^|/)node_modules/(graphql/|@apollo/)|^graphql$|^@apollo/";

/** One rule per layer: it may not import a layer above it, nor an entry point. */
const upward = LAYERS.map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `src/${layer} may import only the layers below it (${LAYERS.slice(0, i).join(", ") || "none"}), the leaves and src/eval`,
  severity: "error",
  from: { path: `^src/${layer}/` },
  to: { path: i + 1 < LAYERS.length ? `^src/(${LAYERS.slice(i + 1).join("|")})/|${ENTRY_POINTS}` : ENTRY_POINTS },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: "leaves-import-no-layer",
      comment: "math, util, tf, errors.ts and config.ts are leaves every layer may use: they import no layer",
      severity: "error",
      from: { path: LEAVES },
      to: { path: `^src/(${LAYERS.join("|")}|eval)/|${ENTRY_POINTS}` },
    },
    {
      name: "eval-below-services",
      comment: "src/eval evaluates models on data; it does not import services, the API or the entry points",
      severity: "error",
      from: { path: "^src/eval/" },
      to: { path: `^src/(services|api)/|${ENTRY_POINTS}` },
    },
    {
      name: "prisma-only-in-db",
      comment: "only src/db talks to Prisma (@prisma/*, prisma, src/db/generated)",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/db/" },
      to: { path: PRISMA },
    },
    {
      name: "models-no-graphql",
      comment: "models know nothing of the API: no graphql, no @apollo/*",
      severity: "error",
      from: { path: "^src/models/" },
      to: { path: GRAPHQL },
    },
    {
      name: "models-no-db",
      comment: "models get their data from src/data, never from src/db (nor, being below them, from services or api)",
      severity: "error",
      from: { path: "^src/models/" },
      to: { path: "^src/db/" },
    },
    {
      name: "api-not-to-db",
      comment: "the API goes through src/services, never to src/db directly",
      severity: "error",
      from: { path: "^src/api/" },
      to: { path: "^src/db/" },
    },
    {
      name: "no-sibling-model",
      comment: `a model does not import another model of its family; what models share lives in a shared module (${FAMILY_SHARED.join(", ")}) or in src/models/training/`,
      severity: "error",
      from: { path: MODEL_UNIT, pathNot: SHARED_UNIT },
      to: { path: "^src/models/$1/[^/.]+(\\.ts$|/)", pathNot: `^src/models/$1/$2([A-Z][^/.]*|)(\\.ts$|/)|${SHARED_UNIT}` },
    },
    {
      name: "no-circular",
      comment: "no import cycles in src that exist at run time (a cycle with a type-only link is erased by the compiler)",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    // The generated Prisma and GraphQL code is a target of imports, not a place we check.
    doNotFollow: { path: ["node_modules", "^src/db/generated/", "^src/api/generated/"] },
    // Type-only imports count: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], mainFields: ["module", "main", "types", "typings"] },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
