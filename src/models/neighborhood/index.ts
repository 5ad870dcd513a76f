export const neighborhoodModels = [] as const;
