// What resolvers pass between each other for object types (graphql-codegen mappers).
import type { ModelDefinition } from "../models/definition";
import type { Item, Rating, User } from "../services/catalog";
import type { EvaluationReportSummary } from "../services/evaluationReports";
import type { Contribution, Explanation } from "../services/explain";
import type { Job } from "../services/jobs";
import type { ModelRun } from "../services/modelRuns";

export type UserModel = User;
export type ItemModel = Item;
export type RatingModel = Rating;
export type ModelRunModel = ModelRun;
export type ModelInfoModel = ModelDefinition;
export type JobModel = Job;
export type EvaluationReportModel = EvaluationReportSummary;

/** A page of a user's ratings, fetched only for the parts that are selected (edges, totalCount). */
export interface RatingPageModel {
  userId: number;
  offset: number;
  take: number;
}

export interface RecommendationModel {
  itemId: string;
  score: number;
  rank: number;
  model: string;
}

export interface SimilarItemModel {
  itemId: string;
  score: number;
  model: string;
}

// Explanations are built by the service; the API maps them as they are.
export type ContributionModel = Contribution;
export type ExplanationModel = Explanation;
