import { bspm } from "./bspm";
import { chebycf } from "./chebycf";
import { gfcf } from "./gfcf";
import { lightgcn } from "./lightgcn";
import { ngcf } from "./ngcf";
import { p3alpha } from "./p3alpha";
import { rp3beta } from "./rp3beta";

export const graphModels = [lightgcn, ngcf, gfcf, bspm, chebycf, rp3beta, p3alpha] as const;
