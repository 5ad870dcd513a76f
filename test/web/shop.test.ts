// The shop window in a real browser against the real server and PostgreSQL (MovieLens 100K
// when DATASETS_DIR has it): a user's row of 10 recommendations that a star rating changes
// at once (fold-in), "why this?" on an item page, onboarding of a new visitor, and the row
// at phone width. Every page runs with the network restricted to the server's origin.
// Screenshots for the README are written to docs/screenshots/.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import type { Browser, Locator, Page } from "playwright-core";
import { chromiumPath, launchBrowser, restrictedPage } from "../helpers/browser";
import { gql } from "../helpers/graphql";
import { USER_TOKEN_SECRET, startTestServer, type TestServer } from "../helpers/server";

const browserPath = chromiumPath();
const SCREENSHOTS = path.resolve("docs/screenshots");
let t: TestServer;
let origin: string;
let browser: Browser;
/** A user of the catalogue with a history (MovieLens: 196, the README's example). */
let userId: string;

beforeAll(async () => {
  if (!browserPath) return;
  t = await startTestServer({
    models: [
      "ials",
      // A short SASRec, so the shop window has a sequential model for "up next".
      { model: "sasrec", params: { maxLength: 50, dim: 32, blocks: 1, batchSize: 64, lr: 0.005, epochs: 4, evalEvery: 0 } },
    ],
  });
  origin = new URL(t.url).origin;
  userId = t.dataset === "ml-100k" ? "196" : (await t.database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).externalId;
  browser = await launchBrowser();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const row = (page: Page, name = "Recommended for you") => page.getByRole("list", { name, exact: true });
const titles = (list: Locator) => list.locator(".shop-title").allInnerTexts();
const sourceOf = (page: Page, headingId: string) => page.locator(`.shop-row:has(#${headingId}) .shop-source`).getAttribute("data-source");

async function signIn(page: Page, id: string, at = origin): Promise<void> {
  await page.goto(`${at}/#/`);
  await page.getByLabel("User id").fill(id);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect.poll(() => page.getByText(`Signed in as user ${id}`).count()).toBe(1);
  await expect.poll(() => row(page).getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
}

/** Nothing wider than the viewport: the page never scrolls sideways. (A string: the root tsconfig has no DOM types.) */
const scrollWidth = (page: Page) => page.evaluate<number>("document.scrollingElement.scrollWidth");

describe.skipIf(!browserPath)("the shop window", () => {
  it("a user sees 10 recommendations, and rating one changes the row at once", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, origin);
    await signIn(page, userId);
    const before = await titles(row(page));
    expect(before).toHaveLength(10);
    expect(await sourceOf(page, "shop-row-title")).toBe("MODEL");
    await expect.poll(() => page.locator(".shop-source").first().innerText()).toContain("ials");
    // Year, genres and score on each card.
    const first = row(page).getByRole("listitem").first();
    expect(await first.locator(".shop-score").innerText()).toMatch(/^score -?\d+\.\d{3}$/);
    expect(await first.locator(".shop-meta").innerText()).toMatch(/\d{4}|year unknown/);
    // Up next, from the served sequential model.
    await expect.poll(() => row(page, "Up next").getByRole("listitem").count(), { timeout: 20_000 }).toBe(5);
    await page.screenshot({ path: path.join(SCREENSHOTS, "shop-window.png"), fullPage: true });

    // Five stars for the top item: the row is refetched, folds the rating in and leaves it out.
    await page.getByRole("button", { name: `Rate ${before[0]} 5 stars`, exact: true }).click();
    await expect.poll(() => sourceOf(page, "shop-row-title"), { timeout: 20_000 }).toBe("FOLD_IN");
    await expect.poll(() => titles(row(page))).not.toContain(before[0]);
    const after = await titles(row(page));
    expect(after).toHaveLength(10);
    expect(after).not.toEqual(before);
    expect(await page.getByRole("status").filter({ hasText: "You rated" }).innerText()).toContain(`You rated ${before[0]} ★★★★★`);
    await expect.poll(() => page.locator(".shop-recent").innerText()).toContain(before[0]);

    // Filters: only comedies from the 1990s, then diversity; the row follows each change.
    await page.getByLabel("Genre").selectOption("Comedy");
    await page.getByLabel("From year").fill("1990");
    await page.getByLabel("To year").fill("1999");
    // Each change refetches; wait until the row shows all three (10 cards, each a 1990s comedy).
    const matches = (meta: string) => meta.includes("Comedy") && Number(meta.slice(0, 4)) >= 1990 && Number(meta.slice(0, 4)) <= 1999;
    await expect
      .poll(
        async () => {
          const metas = await row(page).locator(".shop-meta").allInnerTexts();
          return metas.length === 10 && metas.every(matches);
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(await titles(row(page))).not.toEqual(after);
    const focused = await titles(row(page));
    // The slider by keyboard: End is 1 (mostly variety).
    await page.getByRole("slider", { name: "Diversity", exact: true }).focus();
    await page.keyboard.press("End");
    expect(await page.locator(".shop-diversity-value").innerText()).toBe("1.0");
    await expect.poll(async () => (await titles(row(page))).join("|"), { timeout: 20_000 }).not.toBe(focused.join("|"));

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("an item page explains a recommendation: because you rated …", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, origin);
    await signIn(page, userId);
    const link = row(page).locator(".shop-title").first();
    const title = await link.innerText();
    await link.click();
    await expect.poll(() => page.locator("h1").innerText()).toBe(title);
    const why = page.getByRole("region", { name: "Why this?" });
    await expect.poll(() => why.innerText(), { timeout: 20_000 }).toMatch(/Because you rated .+ ★/);
    expect(await why.locator(".shop-because li").count()).toBeGreaterThan(0);
    expect(await why.innerText()).toMatch(/\d+ % of the evidence/);
    await expect
      .poll(
        () =>
          page
            .getByRole("region", { name: /Similar items/ })
            .getByRole("listitem")
            .count(),
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    await why.getByText("How we know").click();
    expect(await why.locator(".shop-paths li").first().innerText()).toMatch(/^you → .+ → user .+ → /);
    await page.screenshot({ path: path.join(SCREENSHOTS, "item-explanation.png"), fullPage: true });
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("onboarding: a new visitor rates 3 popular items, sees recommendations for them, then signs up", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, origin);
    await page.goto(`${origin}/#/welcome`);
    const picker = page.getByRole("region", { name: "Popular right now" });
    await expect.poll(() => picker.getByRole("listitem").count(), { timeout: 20_000 }).toBe(12);
    const picked = (await titles(picker)).slice(0, 3);
    for (const [i, title] of picked.entries()) await page.getByRole("button", { name: `Rate ${title} ${5 - i} stars`, exact: true }).click();
    await expect.poll(() => page.getByText("3 rated.").count()).toBe(1);
    const profile = row(page, "Recommended for your ratings");
    await expect.poll(() => profile.getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
    for (const title of picked) expect(await titles(profile)).not.toContain(title);
    expect(await sourceOf(page, "shop-profile-title")).toBe("FOLD_IN");

    const newId = `web-newcomer-${Date.now()}`;
    await page.getByLabel("Choose a user id").fill(newId);
    await page.getByRole("button", { name: "Create my account" }).click();
    await expect.poll(() => new URL(page.url()).hash, { timeout: 20_000 }).toBe("#/");
    await expect.poll(() => page.getByText(`Signed in as user ${newId}`).count()).toBe(1);
    await expect.poll(() => row(page).getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
    expect(await sourceOf(page, "shop-row-title")).toBe("FOLD_IN");
    const stored = await gql<{ user: { ratingCount: number } | null }>(t.url, `query($id: ID!) { user(id: $id) { ratingCount } }`, { id: newId });
    expect(stored.data?.user?.ratingCount).toBe(3);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("at 390 px the row, the item page and onboarding fit the width and can be rated", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, origin, { width: 390, height: 844 });
    await page.goto(`${origin}/#/`);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    // The screenshot with the fixed user (the same picture each run), then a random user.
    await signIn(page, userId);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SCREENSHOTS, "shop-window-390.png") });
    await page.getByRole("button", { name: "Sign out" }).click();
    // A random user of the catalogue (a demo token, as anonymous writes are on).
    await page.getByRole("button", { name: "Random user" }).click();
    await expect.poll(() => page.getByText(/^Signed in as user \S+$/).count()).toBe(1);
    await expect.poll(() => row(page).getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('graphrec.userToken')")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    // Every card's stars are on screen and big enough to tap.
    for (const stars of await row(page).locator(".shop-stars").all()) {
      const box = (await stars.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      expect(box.height).toBeGreaterThanOrEqual(32);
    }
    const before = await titles(row(page));
    await page.getByRole("button", { name: `Rate ${before[1]} 2 stars`, exact: true }).click();
    await expect.poll(() => titles(row(page)), { timeout: 20_000 }).not.toContain(before[1]);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);

    await row(page).locator(".shop-title").first().click();
    await expect.poll(() => page.getByRole("region", { name: "Why this?" }).innerText(), { timeout: 20_000 }).toContain("Because you rated");
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);

    await page.goto(`${origin}/#/welcome`);
    await expect.poll(() => page.getByRole("region", { name: "Popular right now" }).getByRole("listitem").count(), { timeout: 20_000 }).toBe(12);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!browserPath)("the shop window where anonymous writes are off", () => {
  let secure: TestServer;
  let secureOrigin: string;

  beforeAll(async () => {
    secure = await startTestServer({ models: ["popularity"], anonymousWrites: false });
    secureOrigin = new URL(secure.url).origin;
  }, 600_000);

  afterAll(async () => {
    await secure?.close();
  });

  it("a pasted user token signs in and rates; without one the row is read-only and sign-up is the site's", async () => {
    const { page, foreign, errors, context } = await restrictedPage(browser, secureOrigin);
    await page.goto(`${secureOrigin}/#/`);
    // The token names its user: the id field may stay empty.
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(USER_TOKEN_SECRET));
    await page.getByLabel("User token").fill(token);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.getByText(`Signed in as user ${userId}`).count()).toBe(1);
    await expect.poll(() => row(page).getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
    const before = await titles(row(page));
    await page.getByRole("button", { name: `Rate ${before[0]} 4 stars`, exact: true }).click();
    await expect.poll(() => titles(row(page)), { timeout: 20_000 }).not.toContain(before[0]);

    // Signed in by id alone: browsing works, and no stars are offered.
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, userId, secureOrigin);
    expect(await page.getByText("read-only: paste a token to rate").count()).toBe(1);
    expect(await row(page).locator(".shop-stars").count()).toBe(0);

    await page.goto(`${secureOrigin}/#/welcome`);
    const picker = page.getByRole("region", { name: "Popular right now" });
    await expect.poll(() => picker.getByRole("listitem").count(), { timeout: 20_000 }).toBe(12);
    for (const title of (await titles(picker)).slice(0, 3)) await page.getByRole("button", { name: `Rate ${title} 4 stars`, exact: true }).click();
    await expect.poll(() => row(page, "Recommended for your ratings").getByRole("listitem").count(), { timeout: 20_000 }).toBe(10);
    expect(await page.getByText("Creating an account needs this site's sign-up").count()).toBe(1);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
