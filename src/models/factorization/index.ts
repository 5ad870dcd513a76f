export const factorizationModels = [] as const;
