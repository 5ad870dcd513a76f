// Entry of the training worker thread: registers tsx's TypeScript loader inside the worker
// (loader flags given to a Worker's execArgv are not honoured on Node 20), then loads the
// TypeScript worker module.
import { register } from "tsx/esm/api";

register();
await import("./trainingWorker.ts");
