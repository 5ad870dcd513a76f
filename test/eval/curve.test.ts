// Training-curve chart: one path per series, points placed by their values, references drawn.
import { describe, expect, it } from "vitest";
import { renderCurveSvg } from "../../src/eval";

describe("renderCurveSvg", () => {
  it("draws each series as a path through its points, with reference lines and labels", () => {
    const svg = renderCurveSvg({
      title: "t",
      xLabel: "seconds",
      yLabel: "recall@20",
      series: [
        {
          name: "a",
          points: [
            [0, 0.1],
            [50, 0.15],
            [100, 0.2],
          ],
        },
        { name: "b <ngcf>", points: [[20, 0.12]] },
      ],
      references: [{ label: "paper", y: 0.183 }],
    });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain("b &lt;ngcf&gt;");
    expect(svg).toContain(">paper<");
    // Higher values are drawn higher (smaller y): the first series' path goes up.
    const d = /<path d="([^"]+)"/.exec(svg)![1];
    const ys = d.split(" ").map((p) => Number(p.slice(1).split(",")[1]));
    expect(ys[0]).toBeGreaterThan(ys[1]);
    expect(ys[1]).toBeGreaterThan(ys[2]);
  });

  it("refuses empty or non-finite data", () => {
    expect(() => renderCurveSvg({ title: "t", xLabel: "x", yLabel: "y", series: [] })).toThrow(/series/);
    expect(() => renderCurveSvg({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "a", points: [[0, Number.NaN]] }] })).toThrow(/points/);
  });
});
