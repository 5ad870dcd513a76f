import { bias } from "./bias";
import { popularity } from "./popularity";

export const baselineModels = [popularity, bias] as const;
