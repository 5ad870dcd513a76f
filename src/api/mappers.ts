// What resolvers pass between each other for object types (codegen mappers).
import type { Item as ItemRow, User as UserRow } from "../db/generated/client";

export type UserModel = UserRow;
export type ItemModel = ItemRow;

export interface RecommendationModel {
  itemId: string;
  score: number;
  rank: number;
  model: string;
}
