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
  /** The user's rated items that support this item most: the summed weight (normalised-adjacency entries) of the paths user → that item → another user → this item in the interaction graph, as shares of the total. */
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
  /** Error code of a failure (PARSE_ERROR, BAD_USER_INPUT, CANCELLED, TIME_LIMIT, ...). */
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

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { __typename?: 'Query', health: { __typename?: 'Health', users: number, items: number, ratings: number, defaultModel: string, servedModels: Array<string>, pendingJobs: number } };


export const HealthDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"items"}},{"kind":"Field","name":{"kind":"Name","value":"ratings"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}},{"kind":"Field","name":{"kind":"Name","value":"servedModels"}},{"kind":"Field","name":{"kind":"Name","value":"pendingJobs"}}]}}]}}]} as unknown as DocumentNode<HealthQuery, HealthQueryVariables>;