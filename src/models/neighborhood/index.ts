import { ease } from "./ease";
import { itemknn } from "./itemknn";

export const neighborhoodModels = [itemknn, ease] as const;
