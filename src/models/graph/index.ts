import { lightgcn } from "./lightgcn";
import { ngcf } from "./ngcf";

export const graphModels = [lightgcn, ngcf] as const;
