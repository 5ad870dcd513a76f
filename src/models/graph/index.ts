export const graphModels = [] as const;
