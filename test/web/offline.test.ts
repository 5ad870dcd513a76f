// Every page of the project with the network restricted to the server's origin, in
// headless Chromium against the real server and PostgreSQL: nothing may be requested from
// another host, and each page must render (the explorer with the schema's docs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumPath, launchBrowser, restrictedPage } from "../helpers/browser";
import { startTestServer, type TestServer } from "../helpers/server";

const browserPath = chromiumPath();
let t: TestServer;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!browserPath) return;
  t = await startTestServer({ models: ["popularity", "ials"] });
  origin = new URL(t.url).origin;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe.skipIf(!browserPath)("pages with no network beyond the server", () => {
  it("the web app (every route) and the GraphQL explorer load nothing from another host", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, origin);
    for (const route of ["/", "/#/welcome", "/#/admin", "/#/item/50"]) {
      // A fresh load each time (a hash change alone would not reload the page).
      await page.goto("about:blank");
      const response = await page.goto(`${origin}${route}`, { waitUntil: "networkidle" });
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
      await expect.poll(() => page.locator("main").innerText()).not.toBe("");
    }
    await page.goto(`${origin}/explorer`, { waitUntil: "networkidle" });
    // Docs from the schema, fetched by introspection from /graphql on the same origin.
    await page.locator(".graphiql-container").waitFor();
    await page.getByRole("button", { name: /documentation explorer/i }).click();
    await expect.poll(() => page.locator(".graphiql-doc-explorer").innerText(), { timeout: 20_000 }).toContain("Query");
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
