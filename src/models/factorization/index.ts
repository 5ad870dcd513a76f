import { als } from "./als";
import { ials } from "./ials";
import { mf } from "./mf";
import { svd } from "./svd";
import { svdpp } from "./svdpp";

export const factorizationModels = [svd, mf, svdpp, als, ials] as const;
