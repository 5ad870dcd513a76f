import { popularity } from "./popularity";

export const baselineModels = [popularity] as const;
