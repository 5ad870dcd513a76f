import { autorec } from "./autorec";
import { cdae } from "./cdae";
import { gmf } from "./gmf";
import { mlp } from "./mlp";
import { multvae } from "./multvae";
import { neumf } from "./neumf";

export const neuralModels = [gmf, mlp, neumf, autorec, cdae, multvae] as const;
