// A TCP relay in front of the real PostgreSQL, for fault tests. `pause()` simulates a hung
// server (or a black-holed network): sockets stay open, bytes in both directions are held
// back; `resume()` delivers what was held and relays again. `stop()` closes the listener
// and every relayed connection, so new connections are refused.
import net from "node:net";

export interface TcpProxy {
  host: string;
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  pause(): void;
  resume(): void;
  /** Connections relayed at this moment. */
  connections(): number;
  stop(): Promise<void>;
}

interface Pipe {
  from: net.Socket;
  to: net.Socket;
  held: Buffer[];
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let paused = false;
  const pipes = new Set<Pipe>();
  const sockets = new Set<net.Socket>();

  const relay = (pipe: Pipe) => {
    pipe.from.on("data", (chunk: Buffer) => {
      if (paused) pipe.held.push(chunk);
      else pipe.to.write(chunk);
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        sockets.delete(socket);
        // One side gone: end the other once anything held has been delivered.
        const other = socket === client ? upstream : client;
        if (!paused) other.destroy();
      });
    }
    const up: Pipe = { from: client, to: upstream, held: [] };
    const down: Pipe = { from: upstream, to: client, held: [] };
    pipes.add(up).add(down);
    relay(up);
    relay(down);
    const forget = () => {
      if (client.destroyed && upstream.destroyed) {
        pipes.delete(up);
        pipes.delete(down);
      }
    };
    client.on("close", forget);
    upstream.on("close", forget);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    host: "127.0.0.1",
    port,
    rewrite(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const pipe of pipes) {
        for (const chunk of pipe.held.splice(0)) if (!pipe.to.destroyed) pipe.to.write(chunk);
        // A side that closed while paused takes its partner with it now.
        if (pipe.from.destroyed && !pipe.to.destroyed) pipe.to.destroy();
      }
    },
    connections() {
      return Math.floor(sockets.size / 2);
    },
    async stop() {
      paused = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
