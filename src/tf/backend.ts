// Chooses the TensorFlow.js backend once per process and logs the choice:
// tfjs-node (native TensorFlow) when it loads — an optional dependency that cannot install
// offline — else WASM with SIMD, else the pure-JS cpu backend. TFJS_BACKEND=tensorflow|wasm|cpu
// forces one (failing loudly if it is unavailable, never silently staying on cpu).
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { registerMissingKernels } from "./kernels";

export type TfBackendName = "tensorflow" | "wasm" | "cpu";
const BACKENDS: readonly TfBackendName[] = ["tensorflow", "wasm", "cpu"];

let ready: Promise<TfBackendName> | undefined;

export interface TfInitOptions {
  /** Forces a backend; default from TFJS_BACKEND, else the fastest available. */
  backend?: string;
  log?: (message: string) => void;
}

/** Initialises TensorFlow.js once; later calls return the backend chosen first. */
export function initTf(options: TfInitOptions = {}): Promise<TfBackendName> {
  ready ??= choose(options);
  return ready;
}

/** The tf namespace, for modules that have awaited initTf(). */
export { tf };

async function choose(options: TfInitOptions): Promise<TfBackendName> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const forced = (options.backend ?? process.env.TFJS_BACKEND ?? "").toLowerCase() || undefined;
  if (forced !== undefined && !BACKENDS.includes(forced as TfBackendName)) {
    throw new Error(`TFJS_BACKEND=${forced} is not one of ${BACKENDS.join(", ")}`);
  }
  const order = forced ? [forced as TfBackendName] : BACKENDS;
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await activate(name)) {
        registerMissingKernels(name);
        log(
          `tfjs backend: ${name}${name === "wasm" ? ` (SIMD ${(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? "on" : "off"})` : ""}${failures.length ? ` (skipped: ${failures.join("; ")})` : ""}`,
        );
        return name;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${failures.join("; ")}`);
}

async function activate(name: TfBackendName): Promise<boolean> {
  if (name === "tensorflow") {
    // Optional dependency: present only where its install could download libtensorflow.
    const moduleName = "@tensorflow/tfjs-node";
    await import(moduleName);
    return tf.setBackend("tensorflow");
  }
  if (name === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    const distDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    wasm.setWasmPaths(`${distDir}${path.sep}`);
    // Threads are unavailable in Node; asking for them makes setBackend fail.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    return tf.setBackend("wasm");
  }
  return tf.setBackend("cpu");
}
