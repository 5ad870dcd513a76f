export const contentModels = [] as const;
