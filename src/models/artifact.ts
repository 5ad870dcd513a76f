// Self-describing model artifact: a JSON header (model, params, seed, data fingerprint,
// metrics, learned JSON state, array table) followed by 8-byte aligned typed arrays.
// Layout: "GRMODEL1" | u32 header bytes | header | padding | arrays.
import type { ArrayState, ModelState } from "./types";

export const ARTIFACT_FORMAT = "graphrec-model/1";
const MAGIC = "GRMODEL1";

export interface ArtifactMeta {
  model: string;
  params: Record<string, unknown>;
  seed: number;
  dataFingerprint: string;
  nUsers: number;
  nItems: number;
  metrics?: Record<string, number>;
  createdAt: string;
  /** Free notes (backend used, training report). */
  notes?: Record<string, unknown>;
}

export interface Artifact extends ArtifactMeta {
  state: ModelState;
}

type DType = "float32" | "float64" | "int32" | "uint8";
interface ArrayEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}

export function encodeArtifact(artifact: Artifact): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(artifact.state.arrays)) {
    entries.push({ name, dtype: dtypeOf(array), offset, length: array.length });
    offset = align8(offset + array.byteLength);
  }
  const { state, ...meta } = artifact;
  const header = new TextEncoder().encode(JSON.stringify({ format: ARTIFACT_FORMAT, ...meta, json: state.json, arrays: entries }));
  const dataStart = align8(8 + 4 + header.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  entries.forEach((entry) => {
    const array = artifact.state.arrays[entry.name];
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + entry.offset);
  });
  return bytes;
}

export function decodeArtifact(bytes: Uint8Array): Artifact {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new Error("not a graphrec model artifact (bad magic bytes)");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as ArtifactMeta & {
    format: string;
    json: Record<string, unknown>;
    arrays: ArrayEntry[];
  };
  if (header.format !== ARTIFACT_FORMAT) throw new Error(`unsupported artifact format ${header.format}`);
  const dataStart = align8(12 + headerLength);
  const arrays: ArrayState = {};
  for (const entry of header.arrays) {
    const start = dataStart + entry.offset;
    // Copy into a fresh, aligned buffer (the source may be a Buffer slice at any offset).
    const raw = bytes.slice(start, start + entry.length * bytesPer(entry.dtype));
    arrays[entry.name] = makeArray(entry.dtype, raw.buffer);
  }
  const { format: _format, json, arrays: _entries, ...meta } = header;
  return { ...meta, state: { json, arrays } };
}

function dtypeOf(array: ArrayState[string]): DType {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int32Array) return "int32";
  return "uint8";
}

function bytesPer(dtype: DType): number {
  return dtype === "float64" ? 8 : dtype === "uint8" ? 1 : 4;
}

function makeArray(dtype: DType, buffer: ArrayBuffer): ArrayState[string] {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer);
    case "float64":
      return new Float64Array(buffer);
    case "int32":
      return new Int32Array(buffer);
    case "uint8":
      return new Uint8Array(buffer);
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
