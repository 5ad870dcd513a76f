export const neuralModels = [] as const;
