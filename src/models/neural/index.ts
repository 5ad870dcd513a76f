import { gmf } from "./gmf";
import { mlp } from "./mlp";
import { neumf } from "./neumf";

export const neuralModels = [gmf, mlp, neumf] as const;
