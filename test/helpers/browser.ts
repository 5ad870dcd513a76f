// Real pages in a real browser: Debian's Chromium driven by playwright-core (no browser
// download). Every request a page makes is checked: anything not to the server's origin is
// aborted and recorded, so a test can fail on it (the pages must work with no network
// beyond the server).
import fs from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter((p): p is string => !!p);

/** The browser binary, or undefined when none is installed (the browser tests are then skipped, and say so). */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH");
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

export interface RestrictedPage {
  context: BrowserContext;
  page: Page;
  /** Requests to any other origin (aborted). */
  foreign: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/** A fresh context whose pages may only reach `origin`; `viewport` defaults to 1280 × 800. */
export async function restrictedPage(browser: Browser, origin: string, viewport = { width: 1280, height: 800 }): Promise<RestrictedPage> {
  const context = await browser.newContext({ viewport, serviceWorkers: "block" });
  const foreign: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    foreign.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, foreign, errors };
}
