import { describe, expect, it } from "vitest";
import { decodeArtifact, encodeArtifact } from "../../src/models/artifact";
import { resolveParams } from "../../src/models/registry";
import { ValidationError } from "../../src/errors";

describe("model artifacts", () => {
  it("round-trips header and typed arrays of every dtype, whatever the byte offset", () => {
    const arrays = {
      f32: Float32Array.from([1.5, -2, 3e-8]),
      f64: Float64Array.from([Math.PI, -1e300]),
      i32: Int32Array.from([7, -8, 2 ** 30]),
      u8: Uint8Array.from([1, 2, 3, 255, 0]),
      empty: new Float32Array(0),
    };
    const bytes = encodeArtifact({
      model: "als",
      params: { factors: 8 },
      seed: 3,
      dataFingerprint: "abc",
      nUsers: 2,
      nItems: 5,
      createdAt: "2026-01-01T00:00:00.000Z",
      state: { json: { mean: 3.5 }, arrays },
    });
    // Simulate a Buffer slice at an odd offset (as read from the database).
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = decodeArtifact(shifted.subarray(3));
    expect(decoded).toMatchObject({ model: "als", params: { factors: 8 }, seed: 3, nUsers: 2, nItems: 5, state: { json: { mean: 3.5 } } });
    for (const [name, array] of Object.entries(arrays)) {
      expect(decoded.state.arrays[name].constructor).toBe(array.constructor);
      expect(Array.from(decoded.state.arrays[name])).toEqual(Array.from(array));
    }
    expect(() => decodeArtifact(new TextEncoder().encode("not a model at all"))).toThrow(/bad magic/);
  });
});

describe("hyper-parameter validation", () => {
  it("fills defaults and rejects unknown names and bad values with field, value and range", () => {
    expect(resolveParams("popularity", {})).toEqual({ minValue: 0 });
    expect(resolveParams("popularity", { minValue: "4" })).toEqual({ minValue: 4 });
    const unknown = (() => {
      try {
        resolveParams("popularity", { factors: 3 });
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).field).toBe("popularity.factors");
    expect(() => resolveParams("popularity", { minValue: "lots" })).toThrow(/popularity.minValue: "lots" is not allowed \(a number in/);
    expect(() => resolveParams("nope")).toThrow(/model: "nope" is not allowed \(one of popularity/);
  });
});
