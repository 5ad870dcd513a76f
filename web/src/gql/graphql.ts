/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time string. */
  DateTime: { input: string; output: string; }
  /** Arbitrary JSON (attributes, metadata, hyper-parameters, metrics). */
  JSON: { input: unknown; output: unknown; }
};

export type ActivationInput = {
  /** Held-out metric compared: ndcg@20 (default), recall@20, or rmse/mae for rating predictors. */
  metric?: InputMaybe<Scalars['String']['input']>;
  policy?: ActivationPolicy;
  /** Relative (0.05: at most 5 % worse); 0–1, default 0.05. */
  tolerance?: InputMaybe<Scalars['Float']['input']>;
};

/** How a finished training becomes the served version. */
export type ActivationPolicy =
  /** Whenever it succeeds. */
  | 'ALWAYS'
  /** Only if its held-out metric is within `tolerance` of the active version's; otherwise the run stays available for activateModelRun, with the reason in `metrics.activation`. */
  | 'IF_NOT_WORSE';

export type Contribution = {
  __typename?: 'Contribution';
  item: Item;
  /** The user's rating of that item. */
  rating: Scalars['Float']['output'];
  /** How much it supports the explained item (share of the total, 0–1). */
  weight: Scalars['Float']['output'];
};

export type CreateItemInput = {
  /** At most 100 genres of at most 100 characters each. */
  genres?: InputMaybe<Array<Scalars['String']['input']>>;
  /** External id (1–200 characters); must not exist yet. */
  id: Scalars['ID']['input'];
  /** JSON nested at most 8 deep, at most 16 KiB. */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** At most 100 tags of at most 100 characters each. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** At most 1,000 characters. */
  title?: InputMaybe<Scalars['String']['input']>;
  /** 1800–2200. */
  year?: InputMaybe<Scalars['Int']['input']>;
};

export type CreateUserInput = {
  attributes?: InputMaybe<Scalars['JSON']['input']>;
  /** External id; must not exist yet. */
  id: Scalars['ID']['input'];
};

export type DatasetFormat =
  | 'csv'
  | 'interactions_txt'
  | 'movielens_1m'
  | 'movielens_100k'
  | 'movielens_latest';

/** An offline evaluation of several models on one data set and protocol (`npm run evaluate`; see the README's Measured results). */
export type EvaluationReport = {
  __typename?: 'EvaluationReport';
  /** Data set evaluated on (e.g. movielens-100k). */
  dataset: Scalars['String']['output'];
  /** When the file was last written. */
  date: Scalars['DateTime']['output'];
  /** What the protocol measures, from the report's notes. */
  description?: Maybe<Scalars['String']['output']>;
  /** Metric names over all rows, in the report's order (recall@20, ndcg@20, rmse, ...). */
  metricNames: Array<Scalars['String']['output']>;
  /** File name in the results folder (e.g. ml100k-holdout.json). */
  name: Scalars['String']['output'];
  /** Evaluation protocol: holdout, rating-5fold, loo-sampled, given-split. */
  protocol: Scalars['String']['output'];
  /** One row per model. */
  rows: Array<EvaluationRow>;
};

/** One model's result in an evaluation report. */
export type EvaluationRow = {
  __typename?: 'EvaluationRow';
  /** Why the model failed in this evaluation (its metrics are then empty). */
  error?: Maybe<Scalars['String']['output']>;
  /** Wall seconds of scoring and metrics (summed over folds). */
  evalSeconds?: Maybe<Scalars['Float']['output']>;
  /** Metric name → value (rmse and mae: lower is better; the others: higher is better). */
  metrics: Scalars['JSON']['output'];
  model: Scalars['String']['output'];
  /** Wall seconds of training (summed over folds). */
  trainSeconds?: Maybe<Scalars['Float']['output']>;
};

export type Explanation = {
  __typename?: 'Explanation';
  /** The user's rated items that support this item most, as shares of the total. For a model whose score is a sum over the user's items (the graph filters gfcf and bspm) each item's exact part of the model's score (shares of the positive parts); for the others the summed weight (normalised-adjacency entries) of the paths user → that item → another user → this item in the interaction graph. */
  becauseYouRated: Array<Contribution>;
  item: Item;
  model?: Maybe<Scalars['String']['output']>;
  /** Paths user → item → user → item in the interaction graph, strongest first. */
  paths: Array<GraphPath>;
  /** The model's score for this pair (null when the model cannot score it). */
  score?: Maybe<Scalars['Float']['output']>;
  /** One sentence for people. */
  summary: Scalars['String']['output'];
  user: User;
};

export type GenreCount = {
  __typename?: 'GenreCount';
  genre: Scalars['String']['output'];
  items: Scalars['Int']['output'];
};

export type GraphNode = {
  __typename?: 'GraphNode';
  id: Scalars['ID']['output'];
  kind: GraphNodeKind;
  /** Item title, for item nodes. */
  label?: Maybe<Scalars['String']['output']>;
};

export type GraphNodeKind =
  | 'ITEM'
  | 'USER';

export type GraphPath = {
  __typename?: 'GraphPath';
  /** Alternating user and item nodes from the user to the explained item. */
  nodes: Array<GraphNode>;
  weight: Scalars['Float']['output'];
};

export type Health = {
  __typename?: 'Health';
  /** The model used when a query names none. */
  defaultModel: Scalars['String']['output'];
  items: Scalars['Int']['output'];
  /** Always true when the server answers. */
  ok: Scalars['Boolean']['output'];
  /** Jobs queued or running (all processes). */
  pendingJobs: Scalars['Int']['output'];
  ratings: Scalars['Int']['output'];
  /** Models with an active trained version loaded in this server. */
  servedModels: Array<Scalars['String']['output']>;
  /** TensorFlow.js backend of this process (tensorflow, wasm or cpu), once a neural model ran. */
  tfBackend?: Maybe<Scalars['String']['output']>;
  /** Users, items and ratings in the served catalogue. */
  users: Scalars['Int']['output'];
};

/** Something to recommend (a movie, a place, ...). */
export type Item = {
  __typename?: 'Item';
  /** Mean rating value, null when unrated. */
  averageRating?: Maybe<Scalars['Float']['output']>;
  createdAt: Scalars['DateTime']['output'];
  genres: Array<Scalars['String']['output']>;
  /** External id (the id in the source data). */
  id: Scalars['ID']['output'];
  /** Free metadata from the source (release date, links, ...). */
  metadata?: Maybe<Scalars['JSON']['output']>;
  /** How many ratings the item has. */
  ratingCount: Scalars['Int']['output'];
  tags: Array<Scalars['String']['output']>;
  title?: Maybe<Scalars['String']['output']>;
  /** Release year, when known. */
  year?: Maybe<Scalars['Int']['output']>;
};

export type ItemConnection = {
  __typename?: 'ItemConnection';
  edges: Array<ItemEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ItemEdge = {
  __typename?: 'ItemEdge';
  cursor: Scalars['String']['output'];
  node: Item;
};

/**
 * A background job, kept in the database and run by a worker process (`npm run worker`, or the
 * one inside `npm start`). Poll `job(id)` for progress.
 */
export type Job = {
  __typename?: 'Job';
  createdAt: Scalars['DateTime']['output'];
  /** Why it failed (with the file and line for a malformed import). */
  error?: Maybe<Scalars['String']['output']>;
  /** Error code of a failure (PARSE_ERROR, BAD_USER_INPUT, CANCELLED, TIME_LIMIT, MEMORY_LIMIT, ...). */
  errorCode?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  kind: JobKind;
  /** What the job is doing now (phase, epoch and loss, ...). */
  message?: Maybe<Scalars['String']['output']>;
  /** The model run a training job created. */
  modelRun?: Maybe<ModelRun>;
  /** 0–1. */
  progress: Scalars['Float']['output'];
  /** Result details (import counts, training report). */
  result?: Maybe<Scalars['JSON']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: JobStatus;
  /** Who started it: admin, schedule (cron retraining) or interactions (retraining after N new interactions). */
  trigger: Scalars['String']['output'];
  /** The worker process that ran it (host:pid). */
  worker?: Maybe<Scalars['String']['output']>;
};

export type JobKind =
  | 'IMPORT'
  | 'TRAIN';

export type JobStatus =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type ModelCapabilities = {
  __typename?: 'ModelCapabilities';
  coldStartItems: Scalars['Boolean']['output'];
  foldIn: Scalars['Boolean']['output'];
  personalized: Scalars['Boolean']['output'];
  ratingPrediction: Scalars['Boolean']['output'];
  sequential: Scalars['Boolean']['output'];
  similarItems: Scalars['Boolean']['output'];
  usesContent: Scalars['Boolean']['output'];
};

/** A model of the registry. */
export type ModelInfo = {
  __typename?: 'ModelInfo';
  /** The trained version being served, if any. */
  activeRun?: Maybe<ModelRun>;
  capabilities: ModelCapabilities;
  description: Scalars['String']['output'];
  family: Scalars['String']['output'];
  /** explicit, implicit or both. */
  feedback: Scalars['String']['output'];
  /** Metrics of the served version. */
  metrics?: Maybe<Scalars['JSON']['output']>;
  /** Registry name (used as `model` argument everywhere). */
  name: Scalars['String']['output'];
  /** Paper the model implements. */
  paper?: Maybe<Scalars['String']['output']>;
  /** Hyper-parameters with defaults and allowed ranges. */
  parameters: Array<ModelParameter>;
  /** When the served version was trained. */
  trainedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type ModelParameter = {
  __typename?: 'ModelParameter';
  default: Scalars['JSON']['output'];
  description: Scalars['String']['output'];
  max?: Maybe<Scalars['Float']['output']>;
  min?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  /** int, float, bool or enum. */
  type: Scalars['String']['output'];
  /** Allowed values of an enum parameter. */
  values?: Maybe<Array<Scalars['String']['output']>>;
};

/** A trained (or training) version of a model. */
export type ModelRun = {
  __typename?: 'ModelRun';
  /** Whether this version is the one served for its model. */
  active: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  dataFingerprint?: Maybe<Scalars['String']['output']>;
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  metrics?: Maybe<Scalars['JSON']['output']>;
  model: Scalars['String']['output'];
  params: Scalars['JSON']['output'];
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: ModelRunStatus;
  trainSeconds?: Maybe<Scalars['Float']['output']>;
};

export type ModelRunConnection = {
  __typename?: 'ModelRunConnection';
  edges: Array<ModelRunEdge>;
  pageInfo: PageInfo;
};

export type ModelRunEdge = {
  __typename?: 'ModelRunEdge';
  cursor: Scalars['String']['output'];
  node: ModelRun;
};

export type ModelRunStatus =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Mutation = {
  __typename?: 'Mutation';
  /** Admin: serves a finished trained version of its model (rollback or switch). */
  activateModelRun: ModelRun;
  /**
   * Admin: cancels a queued or running job, whichever process runs it (an import rolls back; a
   * training stops within about a second and its run fails). CONFLICT once its result is stored.
   */
  cancelJob: Job;
  /** Admin: creates an item (external id must be new). It can be recommended by content at once. */
  createItem: Item;
  /** Creates a user (external id must be new). Needs that user's token, the admin key, or anonymous writes. */
  createUser: User;
  /** Deletes a rating; true when there was one. Needs that user's token, the admin key, or anonymous writes. */
  deleteRating: Scalars['Boolean']['output'];
  /**
   * Demo sign-in, only while anonymous writes are on (development): a 1-hour token for the user
   * when the server verifies tokens, null when it does not use them. FORBIDDEN otherwise.
   */
  demoUserToken?: Maybe<Scalars['String']['output']>;
  /**
   * Admin: imports a data set from a path on the server (one transaction). Only paths under the
   * import root (IMPORT_ROOT) are read. Returns a job.
   */
  importDataset: Job;
  /**
   * Records (or updates) a rating. The user's next recommendations reflect it at once for
   * models that fold in histories, without retraining.
   * Needs that user's token, the admin key, or anonymous writes.
   */
  rateItem: Rating;
  /**
   * Admin: trains a model on the current database in the background. Returns a job at once;
   * the new version is swapped in atomically when training succeeds (and `activate` is true),
   * and a failed training leaves the active version serving.
   */
  trainModel: Job;
};


export type MutationActivateModelRunArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateItemArgs = {
  input: CreateItemInput;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeleteRatingArgs = {
  itemId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


export type MutationDemoUserTokenArgs = {
  userId: Scalars['ID']['input'];
};


export type MutationImportDatasetArgs = {
  encoding?: InputMaybe<Scalars['String']['input']>;
  format: DatasetFormat;
  path: Scalars['String']['input'];
};


export type MutationRateItemArgs = {
  itemId: Scalars['ID']['input'];
  ratedAt?: InputMaybe<Scalars['DateTime']['input']>;
  userId: Scalars['ID']['input'];
  value: Scalars['Float']['input'];
};


export type MutationTrainModelArgs = {
  activate?: InputMaybe<Scalars['Boolean']['input']>;
  activation?: InputMaybe<ActivationInput>;
  heldOut?: InputMaybe<Scalars['Boolean']['input']>;
  model: Scalars['String']['input'];
  params?: InputMaybe<Scalars['JSON']['input']>;
  seed?: InputMaybe<Scalars['Int']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type ProfileRatingInput = {
  itemId: Scalars['ID']['input'];
  /** Rating value; use 1 for implicit feedback. */
  value?: Scalars['Float']['input'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * Admin: the model-quality reports written by `npm run evaluate` (JSON files directly in the
   * server's results/ folder), newest first (`first`: 1–20). Files that are not evaluation
   * reports (benchmarks, curves) or are larger than 1 MiB are left out; at most 50 rows each.
   */
  evaluationReports: Array<EvaluationReport>;
  /**
   * Why an item is recommended to a user: the user's rated items that support it most, and
   * paths in the user–item interaction graph (user → item they rated → other user → this item).
   */
  explain: Explanation;
  /** Genres of the catalogue with their number of items, most common first (at most `first`, 1–1000). */
  genres: Array<GenreCount>;
  /** Liveness and what the server holds: catalogue size, served models, pending jobs. */
  health: Health;
  /** An item by external id; null when no such item exists. */
  item?: Maybe<Item>;
  /**
   * Items of the catalogue, most rated first. `search` matches the title (case-insensitive
   * substring); `genres` keeps items that have every listed genre.
   */
  items: ItemConnection;
  /** Admin: a background job (import or training), from any API or worker process on this database. */
  job?: Maybe<Job>;
  /** Admin: recent background jobs of every process on this database, newest first (they survive restarts). */
  jobs: Array<Job>;
  /** One registered model by name. */
  model?: Maybe<ModelInfo>;
  /** Trained versions, newest first (optionally of one model). */
  modelRuns: ModelRunConnection;
  /** Every registered model: hyper-parameters, capabilities and the served (active) trained version. */
  models: Array<ModelInfo>;
  /**
   * What the user will likely interact with next, from a sequential model (SASRec) that reads
   * the user's history in time order. Already-seen items are left out.
   */
  nextItems: RecommendationConnection;
  /**
   * Top items for a user from a trained model. Items the user already rated are left out
   * unless `excludeRated` is false. A user the model does not know (created after training)
   * gets a fold-in of their current ratings when the model supports it, else the most
   * popular items; `source` says which.
   */
  recommendations: RecommendationConnection;
  /**
   * Recommendations for a profile that is not (yet) a user: the model folds the given ratings
   * in (matrix-factorisation fold-in, autoencoder input, content profile, ...). For frontends
   * that recommend before sign-up.
   */
  recommendationsForProfile: RecommendationConnection;
  /** What this server allows, for frontends deciding what to show. */
  serverInfo: ServerInfo;
  /**
   * Items similar to an item. Models with item embeddings or an item–item graph answer from
   * them; the `content` model answers from genres, tags and title words and also covers
   * items that have no ratings yet.
   */
  similarItems: Array<SimilarItem>;
  /** A user by external id; null when no such user exists. */
  user?: Maybe<User>;
  /** Users, in creation order. */
  users: UserConnection;
};


export type QueryEvaluationReportsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryExplainArgs = {
  itemId: Scalars['ID']['input'];
  maxPaths?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['String']['input']>;
  userId: Scalars['ID']['input'];
};


export type QueryGenresArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryItemArgs = {
  id: Scalars['ID']['input'];
};


export type QueryItemsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  genres?: InputMaybe<Array<Scalars['String']['input']>>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryModelArgs = {
  name: Scalars['String']['input'];
};


export type QueryModelRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['String']['input']>;
};


export type QueryNextItemsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['String']['input']>;
  userId: Scalars['ID']['input'];
};


export type QueryRecommendationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  diversity?: InputMaybe<Scalars['Float']['input']>;
  excludeRated?: InputMaybe<Scalars['Boolean']['input']>;
  filter?: InputMaybe<RecommendationFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['String']['input']>;
  userId: Scalars['ID']['input'];
};


export type QueryRecommendationsForProfileArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  diversity?: InputMaybe<Scalars['Float']['input']>;
  filter?: InputMaybe<RecommendationFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['String']['input']>;
  ratings: Array<ProfileRatingInput>;
};


export type QuerySimilarItemsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  itemId: Scalars['ID']['input'];
  model?: InputMaybe<Scalars['String']['input']>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A rating (or an implicit interaction) of a user for an item. */
export type Rating = {
  __typename?: 'Rating';
  item: Item;
  /** When it happened, when known. */
  ratedAt?: Maybe<Scalars['DateTime']['output']>;
  user: User;
  value: Scalars['Float']['output'];
};

export type RatingConnection = {
  __typename?: 'RatingConnection';
  edges: Array<RatingEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type RatingEdge = {
  __typename?: 'RatingEdge';
  cursor: Scalars['String']['output'];
  node: Rating;
};

/** One recommended item. */
export type Recommendation = {
  __typename?: 'Recommendation';
  item: Item;
  /** Registry name of the model that produced it. */
  model: Scalars['String']['output'];
  /** 1-based position in the ranking. */
  rank: Scalars['Int']['output'];
  /** Model score (higher is better; the scale depends on the model). */
  score: Scalars['Float']['output'];
};

export type RecommendationConnection = {
  __typename?: 'RecommendationConnection';
  edges: Array<RecommendationEdge>;
  /** Model that produced the list. */
  model: Scalars['String']['output'];
  /** The served trained version that produced the list. */
  modelRunId?: Maybe<Scalars['ID']['output']>;
  pageInfo: PageInfo;
  source: RecommendationSource;
};

export type RecommendationEdge = {
  __typename?: 'RecommendationEdge';
  cursor: Scalars['String']['output'];
  node: Recommendation;
};

export type RecommendationFilter = {
  /** Never return these items. */
  excludeItemIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Keep only items with at least one of these genres. */
  genres?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Keep only items released in this range (inclusive). */
  yearRange?: InputMaybe<YearRange>;
};

/** Where a list of recommendations came from. */
export type RecommendationSource =
  /** The model folded in the user's current ratings (the user or their ratings are newer than the model). */
  | 'FOLD_IN'
  /** The model scored this user as it learned them. */
  | 'MODEL'
  /** The model cannot score this user (no usable history): most popular items instead. */
  | 'POPULARITY_FALLBACK';

export type ServerInfo = {
  __typename?: 'ServerInfo';
  /** Admin operations are enabled (ADMIN_API_KEY is set). */
  adminEnabled: Scalars['Boolean']['output'];
  /** Callers without a token may create users and rate as any user (development default; off in production). */
  anonymousWrites: Scalars['Boolean']['output'];
  /** Registry name of the model served when a query names none. */
  defaultModel: Scalars['String']['output'];
  /** User tokens (JWT) are verified: writes as a user need one unless anonymous writes are on. */
  userTokens: Scalars['Boolean']['output'];
};

export type SimilarItem = {
  __typename?: 'SimilarItem';
  item: Item;
  model: Scalars['String']['output'];
  /** Similarity (higher is more similar; the scale depends on the model). */
  score: Scalars['Float']['output'];
};

/** A person who rates items. */
export type User = {
  __typename?: 'User';
  /** Source attributes (age, gender, occupation, ...). */
  attributes?: Maybe<Scalars['JSON']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** External id (the id in the source data). */
  id: Scalars['ID']['output'];
  /** How many ratings the user has. */
  ratingCount: Scalars['Int']['output'];
  /** The user's ratings, newest first. */
  ratings: RatingConnection;
};


/** A person who rates items. */
export type UserRatingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type UserConnection = {
  __typename?: 'UserConnection';
  edges: Array<UserEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type UserEdge = {
  __typename?: 'UserEdge';
  cursor: Scalars['String']['output'];
  node: User;
};

export type YearRange = {
  from?: InputMaybe<Scalars['Int']['input']>;
  to?: InputMaybe<Scalars['Int']['input']>;
};

export type AdminJobFieldsFragment = { __typename?: 'Job', id: string, kind: JobKind, status: JobStatus, trigger: string, worker?: string | null, progress: number, message?: string | null, error?: string | null, errorCode?: string | null, createdAt: string, startedAt?: string | null, finishedAt?: string | null, modelRun?: { __typename?: 'ModelRun', id: string, model: string, active: boolean, metrics?: unknown | null } | null };

export type AdminJobsQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminJobsQuery = { __typename?: 'Query', jobs: Array<{ __typename?: 'Job', id: string, kind: JobKind, status: JobStatus, trigger: string, worker?: string | null, progress: number, message?: string | null, error?: string | null, errorCode?: string | null, createdAt: string, startedAt?: string | null, finishedAt?: string | null, modelRun?: { __typename?: 'ModelRun', id: string, model: string, active: boolean, metrics?: unknown | null } | null }> };

export type AdminJobQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type AdminJobQuery = { __typename?: 'Query', job?: { __typename?: 'Job', id: string, kind: JobKind, status: JobStatus, trigger: string, worker?: string | null, progress: number, message?: string | null, error?: string | null, errorCode?: string | null, createdAt: string, startedAt?: string | null, finishedAt?: string | null, modelRun?: { __typename?: 'ModelRun', id: string, model: string, active: boolean, metrics?: unknown | null } | null } | null };

export type AdminCancelJobMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type AdminCancelJobMutation = { __typename?: 'Mutation', cancelJob: { __typename?: 'Job', id: string, kind: JobKind, status: JobStatus, trigger: string, worker?: string | null, progress: number, message?: string | null, error?: string | null, errorCode?: string | null, createdAt: string, startedAt?: string | null, finishedAt?: string | null, modelRun?: { __typename?: 'ModelRun', id: string, model: string, active: boolean, metrics?: unknown | null } | null } };

export type AdminModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminModelsQuery = { __typename?: 'Query', models: Array<{ __typename?: 'ModelInfo', name: string, family: string, description: string, feedback: string, capabilities: { __typename?: 'ModelCapabilities', ratingPrediction: boolean }, parameters: Array<{ __typename?: 'ModelParameter', name: string, type: string, default: unknown, min?: number | null, max?: number | null, values?: Array<string> | null, description: string }>, activeRun?: { __typename?: 'ModelRun', id: string, metrics?: unknown | null, trainSeconds?: number | null, finishedAt?: string | null } | null }> };

export type AdminModelRunsQueryVariables = Exact<{
  model?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type AdminModelRunsQuery = { __typename?: 'Query', modelRuns: { __typename?: 'ModelRunConnection', edges: Array<{ __typename?: 'ModelRunEdge', node: { __typename?: 'ModelRun', id: string, model: string, status: ModelRunStatus, active: boolean, params: unknown, metrics?: unknown | null, error?: string | null, trainSeconds?: number | null, createdAt: string, finishedAt?: string | null } }> } };

export type AdminActivateRunMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type AdminActivateRunMutation = { __typename?: 'Mutation', activateModelRun: { __typename?: 'ModelRun', id: string, model: string, active: boolean } };

export type AdminTrainModelMutationVariables = Exact<{
  model: Scalars['String']['input'];
  params?: InputMaybe<Scalars['JSON']['input']>;
  seed?: InputMaybe<Scalars['Int']['input']>;
  activation?: InputMaybe<ActivationInput>;
  heldOut?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type AdminTrainModelMutation = { __typename?: 'Mutation', trainModel: { __typename?: 'Job', id: string, kind: JobKind, status: JobStatus } };

export type AdminOverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminOverviewQuery = { __typename?: 'Query', health: { __typename?: 'Health', users: number, items: number, ratings: number, defaultModel: string, servedModels: Array<string>, pendingJobs: number, tfBackend?: string | null }, serverInfo: { __typename?: 'ServerInfo', adminEnabled: boolean, anonymousWrites: boolean, userTokens: boolean, defaultModel: string } };

export type AdminKeyCheckQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminKeyCheckQuery = { __typename?: 'Query', jobs: Array<{ __typename?: 'Job', id: string }> };

export type AdminEvaluationReportsQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminEvaluationReportsQuery = { __typename?: 'Query', evaluationReports: Array<{ __typename?: 'EvaluationReport', name: string, date: string, dataset: string, protocol: string, description?: string | null, metricNames: Array<string>, rows: Array<{ __typename?: 'EvaluationRow', model: string, metrics: unknown, trainSeconds?: number | null, evalSeconds?: number | null, error?: string | null }> }> };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { __typename?: 'Query', health: { __typename?: 'Health', users: number, items: number, ratings: number, defaultModel: string, servedModels: Array<string>, pendingJobs: number } };

export type ShopItemQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ShopItemQuery = { __typename?: 'Query', item?: { __typename?: 'Item', id: string, title?: string | null, genres: Array<string>, tags: Array<string>, year?: number | null, ratingCount: number, averageRating?: number | null } | null };

export type ShopSimilarItemsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  first: Scalars['Int']['input'];
}>;


export type ShopSimilarItemsQuery = { __typename?: 'Query', similarItems: Array<{ __typename?: 'SimilarItem', score: number, model: string, item: { __typename?: 'Item', id: string, title?: string | null, year?: number | null, genres: Array<string> } }> };

export type ShopExplainQueryVariables = Exact<{
  userId: Scalars['ID']['input'];
  itemId: Scalars['ID']['input'];
}>;


export type ShopExplainQuery = { __typename?: 'Query', explain: { __typename?: 'Explanation', summary: string, score?: number | null, model?: string | null, becauseYouRated: Array<{ __typename?: 'Contribution', rating: number, weight: number, item: { __typename?: 'Item', id: string, title?: string | null } }>, paths: Array<{ __typename?: 'GraphPath', weight: number, nodes: Array<{ __typename?: 'GraphNode', kind: GraphNodeKind, id: string, label?: string | null }> }> } };

export type ShopRecItemFragment = { __typename?: 'Recommendation', rank: number, score: number, item: { __typename?: 'Item', id: string, title?: string | null, genres: Array<string>, year?: number | null } };

export type ShopRecommendationsQueryVariables = Exact<{
  userId: Scalars['ID']['input'];
  first: Scalars['Int']['input'];
  filter?: InputMaybe<RecommendationFilter>;
  diversity?: InputMaybe<Scalars['Float']['input']>;
}>;


export type ShopRecommendationsQuery = { __typename?: 'Query', recommendations: { __typename?: 'RecommendationConnection', model: string, source: RecommendationSource, edges: Array<{ __typename?: 'RecommendationEdge', node: { __typename?: 'Recommendation', rank: number, score: number, item: { __typename?: 'Item', id: string, title?: string | null, genres: Array<string>, year?: number | null } } }> } };

export type ShopRateItemMutationVariables = Exact<{
  userId: Scalars['ID']['input'];
  itemId: Scalars['ID']['input'];
  value: Scalars['Float']['input'];
}>;


export type ShopRateItemMutation = { __typename?: 'Mutation', rateItem: { __typename?: 'Rating', value: number, item: { __typename?: 'Item', id: string, ratingCount: number, averageRating?: number | null } } };

export type ShopGenresQueryVariables = Exact<{ [key: string]: never; }>;


export type ShopGenresQuery = { __typename?: 'Query', genres: Array<{ __typename?: 'GenreCount', genre: string, items: number }> };

export type ShopUserRatingsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ShopUserRatingsQuery = { __typename?: 'Query', user?: { __typename?: 'User', id: string, ratingCount: number, ratings: { __typename?: 'RatingConnection', edges: Array<{ __typename?: 'RatingEdge', node: { __typename?: 'Rating', value: number, item: { __typename?: 'Item', id: string, title?: string | null } } }> } } | null };

export type ShopSequentialModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ShopSequentialModelsQuery = { __typename?: 'Query', models: Array<{ __typename?: 'ModelInfo', name: string, capabilities: { __typename?: 'ModelCapabilities', sequential: boolean }, activeRun?: { __typename?: 'ModelRun', id: string } | null }> };

export type ShopNextItemsQueryVariables = Exact<{
  userId: Scalars['ID']['input'];
  model: Scalars['String']['input'];
  first: Scalars['Int']['input'];
}>;


export type ShopNextItemsQuery = { __typename?: 'Query', nextItems: { __typename?: 'RecommendationConnection', model: string, source: RecommendationSource, edges: Array<{ __typename?: 'RecommendationEdge', node: { __typename?: 'Recommendation', rank: number, score: number, item: { __typename?: 'Item', id: string, title?: string | null, genres: Array<string>, year?: number | null } } }> } };

export type ShopServerInfoQueryVariables = Exact<{ [key: string]: never; }>;


export type ShopServerInfoQuery = { __typename?: 'Query', serverInfo: { __typename?: 'ServerInfo', anonymousWrites: boolean, userTokens: boolean, defaultModel: string } };

export type ShopUserExistsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ShopUserExistsQuery = { __typename?: 'Query', user?: { __typename?: 'User', id: string, ratingCount: number } | null };

export type ShopUserIdsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
}>;


export type ShopUserIdsQuery = { __typename?: 'Query', users: { __typename?: 'UserConnection', edges: Array<{ __typename?: 'UserEdge', node: { __typename?: 'User', id: string } }> } };

export type ShopDemoTokenMutationVariables = Exact<{
  userId: Scalars['ID']['input'];
}>;


export type ShopDemoTokenMutation = { __typename?: 'Mutation', demoUserToken?: string | null };

export type ShopPopularItemsQueryVariables = Exact<{
  search?: InputMaybe<Scalars['String']['input']>;
  first: Scalars['Int']['input'];
}>;


export type ShopPopularItemsQuery = { __typename?: 'Query', items: { __typename?: 'ItemConnection', edges: Array<{ __typename?: 'ItemEdge', node: { __typename?: 'Item', id: string, title?: string | null, year?: number | null, genres: Array<string>, ratingCount: number } }> } };

export type ShopProfileRecommendationsQueryVariables = Exact<{
  ratings: Array<ProfileRatingInput> | ProfileRatingInput;
  first: Scalars['Int']['input'];
}>;


export type ShopProfileRecommendationsQuery = { __typename?: 'Query', recommendationsForProfile: { __typename?: 'RecommendationConnection', model: string, source: RecommendationSource, edges: Array<{ __typename?: 'RecommendationEdge', node: { __typename?: 'Recommendation', rank: number, score: number, item: { __typename?: 'Item', id: string, title?: string | null, genres: Array<string>, year?: number | null } } }> } };

export type ShopCreateUserMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ShopCreateUserMutation = { __typename?: 'Mutation', createUser: { __typename?: 'User', id: string } };

export const AdminJobFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AdminJobFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"worker"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"modelRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}}]}}]}}]} as unknown as DocumentNode<AdminJobFieldsFragment, unknown>;
export const ShopRecItemFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ShopRecItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Recommendation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"year"}}]}}]}}]} as unknown as DocumentNode<ShopRecItemFragment, unknown>;
export const AdminJobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminJobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AdminJobFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AdminJobFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"worker"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"modelRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}}]}}]}}]} as unknown as DocumentNode<AdminJobsQuery, AdminJobsQueryVariables>;
export const AdminJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"job"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AdminJobFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AdminJobFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"worker"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"modelRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}}]}}]}}]} as unknown as DocumentNode<AdminJobQuery, AdminJobQueryVariables>;
export const AdminCancelJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AdminCancelJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AdminJobFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AdminJobFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"worker"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"modelRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}}]}}]}}]} as unknown as DocumentNode<AdminCancelJobMutation, AdminCancelJobMutationVariables>;
export const AdminModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminModels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"family"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"feedback"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ratingPrediction"}}]}},{"kind":"Field","name":{"kind":"Name","value":"parameters"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"default"}},{"kind":"Field","name":{"kind":"Name","value":"min"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"values"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activeRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}},{"kind":"Field","name":{"kind":"Name","value":"trainSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}}]}}]}}]}}]} as unknown as DocumentNode<AdminModelsQuery, AdminModelsQueryVariables>;
export const AdminModelRunsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminModelRuns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelRuns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"params"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"trainSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AdminModelRunsQuery, AdminModelRunsQueryVariables>;
export const AdminActivateRunDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AdminActivateRun"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activateModelRun"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]} as unknown as DocumentNode<AdminActivateRunMutation, AdminActivateRunMutationVariables>;
export const AdminTrainModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AdminTrainModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"params"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"seed"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"activation"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ActivationInput"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"heldOut"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}},{"kind":"Argument","name":{"kind":"Name","value":"params"},"value":{"kind":"Variable","name":{"kind":"Name","value":"params"}}},{"kind":"Argument","name":{"kind":"Name","value":"seed"},"value":{"kind":"Variable","name":{"kind":"Name","value":"seed"}}},{"kind":"Argument","name":{"kind":"Name","value":"activation"},"value":{"kind":"Variable","name":{"kind":"Name","value":"activation"}}},{"kind":"Argument","name":{"kind":"Name","value":"heldOut"},"value":{"kind":"Variable","name":{"kind":"Name","value":"heldOut"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<AdminTrainModelMutation, AdminTrainModelMutationVariables>;
export const AdminOverviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminOverview"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"items"}},{"kind":"Field","name":{"kind":"Name","value":"ratings"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}},{"kind":"Field","name":{"kind":"Name","value":"servedModels"}},{"kind":"Field","name":{"kind":"Name","value":"pendingJobs"}},{"kind":"Field","name":{"kind":"Name","value":"tfBackend"}}]}},{"kind":"Field","name":{"kind":"Name","value":"serverInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"adminEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"anonymousWrites"}},{"kind":"Field","name":{"kind":"Name","value":"userTokens"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}}]}}]}}]} as unknown as DocumentNode<AdminOverviewQuery, AdminOverviewQueryVariables>;
export const AdminKeyCheckDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminKeyCheck"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<AdminKeyCheckQuery, AdminKeyCheckQueryVariables>;
export const AdminEvaluationReportsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AdminEvaluationReports"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"evaluationReports"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"dataset"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"metricNames"}},{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}},{"kind":"Field","name":{"kind":"Name","value":"trainSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"evalSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]}}]} as unknown as DocumentNode<AdminEvaluationReportsQuery, AdminEvaluationReportsQueryVariables>;
export const HealthDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"items"}},{"kind":"Field","name":{"kind":"Name","value":"ratings"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}},{"kind":"Field","name":{"kind":"Name","value":"servedModels"}},{"kind":"Field","name":{"kind":"Name","value":"pendingJobs"}}]}}]}}]} as unknown as DocumentNode<HealthQuery, HealthQueryVariables>;
export const ShopItemDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopItem"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"item"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"year"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}},{"kind":"Field","name":{"kind":"Name","value":"averageRating"}}]}}]}}]} as unknown as DocumentNode<ShopItemQuery, ShopItemQueryVariables>;
export const ShopSimilarItemsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopSimilarItems"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"similarItems"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"itemId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"year"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}}]}}]}}]}}]} as unknown as DocumentNode<ShopSimilarItemsQuery, ShopSimilarItemsQueryVariables>;
export const ShopExplainDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopExplain"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"itemId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"explain"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"itemId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"itemId"}}},{"kind":"Argument","name":{"kind":"Name","value":"maxPaths"},"value":{"kind":"IntValue","value":"3"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"summary"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"becauseYouRated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rating"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"paths"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShopExplainQuery, ShopExplainQueryVariables>;
export const ShopRecommendationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopRecommendations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RecommendationFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"diversity"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Float"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"diversity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"diversity"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ShopRecItem"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ShopRecItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Recommendation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"year"}}]}}]}}]} as unknown as DocumentNode<ShopRecommendationsQuery, ShopRecommendationsQueryVariables>;
export const ShopRateItemDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ShopRateItem"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"itemId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"value"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Float"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rateItem"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"itemId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"itemId"}}},{"kind":"Argument","name":{"kind":"Name","value":"value"},"value":{"kind":"Variable","name":{"kind":"Name","value":"value"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}},{"kind":"Field","name":{"kind":"Name","value":"averageRating"}}]}}]}}]}}]} as unknown as DocumentNode<ShopRateItemMutation, ShopRateItemMutationVariables>;
export const ShopGenresDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopGenres"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"genres"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"genre"}},{"kind":"Field","name":{"kind":"Name","value":"items"}}]}}]}}]} as unknown as DocumentNode<ShopGenresQuery, ShopGenresQueryVariables>;
export const ShopUserRatingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopUserRatings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}},{"kind":"Field","name":{"kind":"Name","value":"ratings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShopUserRatingsQuery, ShopUserRatingsQueryVariables>;
export const ShopSequentialModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopSequentialModels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sequential"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activeRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<ShopSequentialModelsQuery, ShopSequentialModelsQueryVariables>;
export const ShopNextItemsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopNextItems"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nextItems"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ShopRecItem"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ShopRecItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Recommendation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"year"}}]}}]}}]} as unknown as DocumentNode<ShopNextItemsQuery, ShopNextItemsQueryVariables>;
export const ShopServerInfoDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopServerInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serverInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"anonymousWrites"}},{"kind":"Field","name":{"kind":"Name","value":"userTokens"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}}]}}]}}]} as unknown as DocumentNode<ShopServerInfoQuery, ShopServerInfoQueryVariables>;
export const ShopUserExistsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopUserExists"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}}]}}]}}]} as unknown as DocumentNode<ShopUserExistsQuery, ShopUserExistsQueryVariables>;
export const ShopUserIdsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopUserIds"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShopUserIdsQuery, ShopUserIdsQueryVariables>;
export const ShopDemoTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ShopDemoToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"demoUserToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}}]}]}}]} as unknown as DocumentNode<ShopDemoTokenMutation, ShopDemoTokenMutationVariables>;
export const ShopPopularItemsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopPopularItems"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"items"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"year"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShopPopularItemsQuery, ShopPopularItemsQueryVariables>;
export const ShopProfileRecommendationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopProfileRecommendations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ratings"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ProfileRatingInput"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recommendationsForProfile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ratings"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ratings"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ShopRecItem"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ShopRecItem"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Recommendation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"item"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"genres"}},{"kind":"Field","name":{"kind":"Name","value":"year"}}]}}]}}]} as unknown as DocumentNode<ShopProfileRecommendationsQuery, ShopProfileRecommendationsQueryVariables>;
export const ShopCreateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ShopCreateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<ShopCreateUserMutation, ShopCreateUserMutationVariables>;