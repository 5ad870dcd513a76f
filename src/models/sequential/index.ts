export const sequentialModels = [] as const;
