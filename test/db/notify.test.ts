// The LISTEN/NOTIFY transport against real PostgreSQL: a notice in a transaction is delivered
// on commit only; payloads and channel names are checked; a session that stops answering
// (a black-holed network, through the TCP relay) is noticed by the heartbeat and reopened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationListener, notifyInTransaction, publish, MAX_PAYLOAD_BYTES } from "../../src/db/notify";
import { createTestDb, type TestDb } from "../helpers/db";
import { startTcpProxy } from "../helpers/tcpProxy";

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.drop();
});

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

describe("NOTIFY", () => {
  it("a notice queued in a transaction arrives when it commits and never when it rolls back", async () => {
    const received: string[] = [];
    const listener = new NotificationListener({ url: t.url, channels: ["test_channel"], onNotice: (_channel, payload) => received.push(payload) });
    await listener.start();
    try {
      expect(listener.listening).toBe(true);
      await expect(
        t.db.prisma.$transaction(async (tx) => {
          await notifyInTransaction(tx, "test_channel", "rolled back");
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      await t.db.prisma.$transaction(async (tx) => {
        await notifyInTransaction(tx, "test_channel", "committed");
      });
      await publish(t.db, "test_channel", "published");
      await waitFor("both notices", () => received.length >= 2, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual(["committed", "published"]);
    } finally {
      await listener.close();
    }
  });

  it("refuses payloads PostgreSQL would refuse and channel names that would need quoting", async () => {
    await expect(publish(t.db, "test_channel", "x".repeat(MAX_PAYLOAD_BYTES + 1))).rejects.toThrow(RangeError);
    await expect(publish(t.db, "Test-Channel", "x")).rejects.toThrow(RangeError);
    expect(() => new NotificationListener({ url: t.url, channels: ["bad channel"], onNotice: () => undefined })).toThrow(RangeError);
  });
});

describe("NotificationListener", () => {
  it("notices a session that stops answering, reconnects when the network comes back, and receives again", async () => {
    const target = new URL(t.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const received: string[] = [];
    const events: string[] = [];
    const listener = new NotificationListener({
      url: proxy.rewrite(t.url),
      channels: ["test_channel"],
      onNotice: (_channel, payload) => received.push(payload),
      onListening: ({ reconnect }) => events.push(reconnect ? "reconnected" : "listening"),
      onError: () => events.push("lost"),
      heartbeatMs: 100,
      timeoutMs: 300,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
    });
    await listener.start();
    try {
      expect(events).toEqual(["listening"]);
      proxy.pause();
      const noticed = await waitFor("the heartbeat notices", () => !listener.listening, 2_000);
      expect(events).toContain("lost");
      // While the network is down, reconnecting fails (connect timeout) and is retried.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(listener.listening).toBe(false);
      proxy.resume();
      const back = await waitFor("listening again", () => listener.listening, 3_000);
      expect(events.at(-1)).toBe("reconnected");
      expect(listener.connections).toBe(2);
      await publish(t.db, "test_channel", "after");
      await waitFor("notice after the reconnect", () => received.includes("after"), 1_000);
      console.log(`listener: silent session noticed after ${noticed.toFixed(0)} ms (heartbeat 100 ms, timeout 300 ms); listening ${back.toFixed(0)} ms after the network came back`);
    } finally {
      await listener.close();
      await proxy.stop();
    }
  });

  it("close() ends the session and stops reconnecting", async () => {
    const listener = new NotificationListener({ url: t.url, channels: ["test_channel"], onNotice: () => undefined, applicationName: "graphrec-listen-close", initialBackoffMs: 20 });
    await listener.start();
    const sessions = async () => Number((await t.db.pool.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = 'graphrec-listen-close'")).rows[0].n);
    expect(await sessions()).toBe(1);
    await listener.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sessions()).toBe(0);
    expect(listener.listening).toBe(false);
  });
});
