// NGCF (Wang et al., "Neural Graph Collaborative Filtering", SIGIR 2019): the model (model.ts),
// its network on typed arrays and WebAssembly (network.ts), its own kernels (kernels.ts) and their
// JS reference (reference.ts).
export { Ngcf, ngcf, ngcfParams, type NgcfParams } from "./model";
export { NgcfNetwork } from "./network";
export { NGCF_KERNELS, type NgcfKernelName } from "./kernels";
