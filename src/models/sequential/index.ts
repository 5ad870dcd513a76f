import { sasrec } from "./sasrec";

export const sequentialModels = [sasrec] as const;
