import { content } from "./content";
import { hybrid } from "./hybrid";

export const contentModels = [content, hybrid] as const;
