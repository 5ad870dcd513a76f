// The admin console (#/admin) in headless Chromium against the real server, PostgreSQL and
// job runner, with the network restricted to the server's origin. The steps share one page,
// in order, as an admin would use it: key, counts and versions, a refused parameter, a
// training followed to its activation, the evaluation chart; then the same console at 390 px.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { projectRoot } from "../../src/config";
import { chromiumPath, launchBrowser, restrictedPage, type RestrictedPage } from "../helpers/browser";
import { gql } from "../helpers/graphql";
import { ADMIN_KEY, startTestServer, type TestServer } from "../helpers/server";

const browserPath = chromiumPath();
const screenshots = path.join(projectRoot, "docs", "screenshots");
const admin = { "x-api-key": ADMIN_KEY };
const count = (n: number) => new Intl.NumberFormat("en-US").format(n);
/** How long a poll waits for the page to catch up (vitest's default, 1 s, is short on a loaded 2-core machine). */
const WAIT = { timeout: 15_000 };

let t: TestServer;
let origin: string;
let browser: Browser;
let session: RestrictedPage;
let page: Page;
/** Bodies of the GraphQL requests the page sent (to prove what was not sent). */
const sent: string[] = [];

async function activeRunId(model: string): Promise<string | null> {
  const result = await gql<{ model: { activeRun: { id: string } | null } }>(t.url, "query($name: String!) { model(name: $name) { activeRun { id } } }", { name: model });
  return result.data?.model.activeRun?.id ?? null;
}

async function unlock(target: Page, key: string): Promise<void> {
  await target.getByRole("textbox", { name: "Admin key" }).fill(key);
  await target.getByRole("button", { name: "Unlock" }).click();
}

beforeAll(async () => {
  if (!browserPath) return;
  // ials small enough that a training from the form takes a second or two.
  t = await startTestServer({ models: ["popularity", { model: "ials", params: { factors: 16, iterations: 3 } }] });
  origin = new URL(t.url).origin;
  browser = await launchBrowser();
  session = await restrictedPage(browser, origin);
  page = session.page;
  page.on("request", (request) => {
    if (request.url().endsWith("/graphql")) sent.push(request.postData() ?? "");
  });
  fs.mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await session?.context.close();
  await browser?.close();
  await t?.close();
});

describe.skipIf(!browserPath)("admin console", () => {
  it("refuses a wrong key, then shows the catalogue counts and the model versions", async () => {
    await page.goto(`${origin}/#/admin`, { waitUntil: "networkidle" });
    await unlock(page, "not-the-admin-key");
    await expect.poll(() => page.getByRole("alert").innerText(), WAIT).toContain("FORBIDDEN");

    await unlock(page, ADMIN_KEY);
    const catalogue = page.getByRole("region", { name: "Catalogue" });
    await catalogue.waitFor();
    const [users, items, ratings] = await Promise.all([t.database.db.prisma.user.count(), t.database.db.prisma.item.count(), t.database.db.prisma.rating.count()]);
    const counts = await catalogue.locator("dl").innerText();
    for (const n of [users, items, ratings]) expect(counts).toContain(count(n));

    const versions = page.getByRole("region", { name: "Model versions" });
    const popularityRun = await activeRunId("popularity");
    await expect.poll(() => versions.locator(".admin-active").innerText(), WAIT).toContain(`Active version: #${popularityRun}`);
    await versions.getByLabel("Model").selectOption("ials");
    const ialsRun = await activeRunId("ials");
    await expect.poll(() => versions.locator(".admin-active").innerText(), WAIT).toContain(`Active version: #${ialsRun}`);
    await expect.poll(() => versions.getByRole("listitem").count(), WAIT).toBeGreaterThan(0);
  });

  it("refuses an out-of-range hyper-parameter in the form, before anything is sent", async () => {
    const form = page.getByRole("region", { name: "Start a training" });
    await form.getByLabel("Model").selectOption("ials");
    const factors = form.getByLabel("factors", { exact: true });
    await factors.fill("5000");
    const before = sent.length;
    await form.getByRole("button", { name: "Train ials" }).click();
    await expect.poll(() => form.getByRole("alert").innerText(), WAIT).toContain("Not sent: fix 1 field first.");
    await expect.poll(() => form.locator(".admin-field-error").innerText(), WAIT).toContain("factors must be an integer in 1–1,024; 5,000 is out of range");
    expect(await factors.getAttribute("aria-invalid")).toBe("true");
    expect(await factors.evaluate((input) => input.matches(":focus"))).toBe(true);
    expect(sent.slice(before).filter((body) => body.includes("AdminTrainModel"))).toEqual([]);
  });

  it("shows the server's BAD_USER_INPUT on the field it names when the server still refuses", async () => {
    // A client whose checks are stale (or bypassed): the request is rewritten on its way to the
    // real server, which refuses it as it would any other caller.
    await page.route("**/graphql", async (route) => {
      const body = route.request().postDataJSON() as { operationName?: string; variables?: { params?: Record<string, unknown> } } | null;
      if (body?.operationName !== "AdminTrainModel" || !body.variables?.params) return route.fallback();
      body.variables.params.factors = 5000;
      return route.continue({ postData: JSON.stringify(body) });
    });
    const form = page.getByRole("region", { name: "Start a training" });
    const factors = form.getByLabel("factors", { exact: true });
    await factors.fill("8");
    await form.getByRole("button", { name: "Train ials" }).click();
    await expect.poll(() => form.getByRole("alert").innerText(), WAIT).toContain("The server refused the training (BAD_USER_INPUT): ials.factors: 5000 is not allowed (an integer in 1–1024)");
    await expect.poll(() => form.locator(".admin-field-error").innerText(), WAIT).toContain("ials.factors: 5000 is not allowed");
    expect(await factors.getAttribute("aria-invalid")).toBe("true");
    await page.unroute("**/graphql");
  });

  it("starts a training from the form, follows its progress, and the new version becomes active", async () => {
    const previous = await activeRunId("ials");
    const form = page.getByRole("region", { name: "Start a training" });
    await form.getByLabel("factors", { exact: true }).fill("8");
    await form.getByLabel("iterations", { exact: true }).fill("2");
    await form.getByLabel("Seed (optional)").fill("7");
    await form.getByRole("button", { name: "Train ials" }).click();

    // The job appears in the jobs list with a progress bar, and is followed under the form.
    const progress = form.getByRole("group", { name: "Training progress" });
    await progress.waitFor();
    const jobs = page.getByRole("region", { name: "Jobs" });
    const row = jobs.locator("li[data-job-id]").first();
    await row.getByRole("progressbar").waitFor();
    expect(await row.getByRole("progressbar").getAttribute("aria-valuenow")).toMatch(/^\d{1,3}$/);
    await expect.poll(() => progress.innerText(), { timeout: 90_000, interval: 250 }).toContain("SUCCEEDED");
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 15_000 }).toBe("SUCCEEDED");
    expect(await row.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");

    const latest = await gql<{ jobs: { id: string; status: string; modelRun: { id: string; active: boolean; params: Record<string, unknown> } | null }[] }>(
      t.url,
      "{ jobs(first: 1) { id status modelRun { id active params } } }",
      {},
      admin,
    );
    const job = latest.data!.jobs[0];
    expect(job.status).toBe("SUCCEEDED");
    expect(await row.getAttribute("data-job-id")).toBe(job.id);
    expect(job.modelRun!.params).toMatchObject({ factors: 8, iterations: 2, seed: 7 });
    const newRun = job.modelRun!.id;
    expect(newRun).not.toBe(previous);
    expect(await activeRunId("ials")).toBe(newRun);
    await expect.poll(() => progress.innerText(), WAIT).toContain(`Version #${newRun} of ials is now active.`);
    // Model versions switched to the trained model and shows the new version as the served one, with its held-out quality.
    const versions = page.getByRole("region", { name: "Model versions" });
    await expect.poll(() => versions.locator(".admin-active").innerText(), { timeout: 15_000 }).toContain(`Active version: #${newRun}`);
    await expect.poll(() => versions.locator(".admin-active").innerText(), WAIT).toContain("ndcg@20");
    // The previous version can be rolled back to.
    await versions.getByRole("button", { name: `Roll back to #${previous}` }).waitFor();
  });

  it("renders an evaluation report as an SVG bar chart with a table of the same numbers", async () => {
    const evaluation = page.getByRole("region", { name: "Offline evaluation" });
    const chart = evaluation.locator("svg[role=img]");
    await chart.waitFor();
    // The broadest report opens first: ml100k-holdout.json, 15 models, ndcg@20.
    expect(await evaluation.getByLabel("Report", { exact: true }).inputValue()).toBe("ml100k-holdout.json");
    expect(await evaluation.getByLabel("Metric", { exact: true }).inputValue()).toBe("ndcg@20");
    expect(await chart.locator("rect.admin-bar").count()).toBe(15);
    expect(await chart.locator("title").first().textContent()).toContain("ndcg@20 by model");
    expect(await chart.locator("text.admin-chart-label").first().textContent()).toBe("ials");
    await evaluation.getByText("All metrics of ml100k-holdout.json as a table").click();
    await expect.poll(() => evaluation.locator("table tbody tr").count(), WAIT).toBe(15);
    // Another metric of another report: lower is better, the best (smallest RMSE) first.
    await evaluation.getByLabel("Report", { exact: true }).selectOption("ml100k-rating.json");
    await expect.poll(() => evaluation.getByLabel("Metric", { exact: true }).inputValue(), WAIT).toBe("rmse");
    await expect.poll(() => chart.locator("text.admin-chart-label").first().textContent(), WAIT).toBe("autorec");

    await evaluation.getByLabel("Report", { exact: true }).selectOption("ml100k-holdout.json");
    await page.screenshot({ path: path.join(screenshots, "admin-console.png"), fullPage: true });
    expect(session.foreign).toEqual([]);
    expect(session.errors).toEqual([]);
  });

  it("cancels an unfinished training from the jobs list; the served version stays", async () => {
    const served = await activeRunId("ials");
    const form = page.getByRole("region", { name: "Start a training" });
    // Long enough to still be running when the cancel arrives (~0.3 s per iteration at 64 factors).
    await form.getByLabel("factors", { exact: true }).fill("64");
    await form.getByLabel("iterations", { exact: true }).fill("200");
    await form.getByRole("button", { name: "Train ials" }).click();
    const jobs = page.getByRole("region", { name: "Jobs" });
    const row = jobs.locator("li[data-job-id]").first();
    await expect.poll(() => row.getAttribute("data-status"), WAIT).toMatch(/QUEUED|RUNNING/);
    await row.getByRole("button", { name: /^Cancel training/ }).click();
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("FAILED");
    await expect.poll(() => row.innerText(), WAIT).toContain("CANCELLED");
    expect(await activeRunId("ials")).toBe(served);
    expect(session.foreign).toEqual([]);
    expect(session.errors).toEqual([]);
  });

  it("is usable at 390 px: nothing wider than the screen, the chart drawn at the phone's width", async () => {
    const phone = await restrictedPage(browser, origin, { width: 390, height: 844 });
    await phone.page.goto(`${origin}/#/admin`, { waitUntil: "networkidle" });
    await unlock(phone.page, ADMIN_KEY);
    await phone.page.getByRole("region", { name: "Catalogue" }).waitFor();
    const chart = phone.page.getByRole("region", { name: "Offline evaluation" }).locator("svg[role=img]");
    await chart.waitFor();
    await expect.poll(() => chart.evaluate((svg) => svg.getBoundingClientRect().width), WAIT).toBeLessThanOrEqual(390);
    expect(await phone.page.locator("html").evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.page
      .getByRole("button", { name: "Train popularity" })
      .or(phone.page.getByRole("button", { name: /^Train / }))
      .first()
      .waitFor();
    await phone.page.screenshot({ path: path.join(screenshots, "admin-console-390.png"), fullPage: true });
    expect(phone.foreign).toEqual([]);
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
