/**
 * A TCP proxy in front of a server that a test can cut (an outage: listener closed, every connection dropped,
 * new connections refused) and restore on the same port, without touching the shared server behind it.
 */

/** A running proxy. */
export interface TcpProxy {
  port: number;
  /** Closes the listener and every proxied connection: connecting fails with ECONNREFUSED until restore. */
  cut(): void;
  /** Listens again on the same port. */
  restore(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a proxy on a free local port to `target`. */
export function tcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const conns = new Set<Deno.Conn>();
  const pipes = new Set<Promise<unknown>>();
  let listener: Deno.Listener | undefined;
  let accepting: Promise<void> = Promise.resolve();
  const open = (port: number) => {
    const l = Deno.listen({ hostname: "127.0.0.1", port });
    listener = l;
    accepting = (async () => {
      try {
        for await (const client of l) {
          conns.add(client);
          let server: Deno.Conn;
          try {
            server = await Deno.connect(target);
          } catch {
            close(client);
            continue;
          }
          conns.add(server);
          const pipe = Promise.allSettled([
            client.readable.pipeTo(server.writable),
            server.readable.pipeTo(client.writable),
          ]).finally(() => (close(client), close(server)));
          pipes.add(pipe);
          pipe.finally(() => pipes.delete(pipe));
        }
      } catch { /* listener closed */ }
    })();
    return (l.addr as Deno.NetAddr).port;
  };
  const close = (c: Deno.Conn) => {
    if (!conns.delete(c)) return;
    try {
      c.close();
    } catch { /* already closed by its pipe */ }
  };
  const port = open(0);
  const cut = () => {
    listener?.close();
    listener = undefined;
    for (const c of [...conns]) close(c);
  };
  return {
    port,
    cut,
    restore: () => void (listener ?? open(port)),
    async [Symbol.asyncDispose]() {
      cut();
      await accepting;
      await Promise.allSettled([...pipes]);
    },
  };
}
