import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/**
 * A WebSocket echo endpoint: every message (text or binary) comes back as sent, and
 * the first sub-protocol the client offers is accepted. The proxy's end-to-end tests
 * use it. `ws` is imported on first use so it costs nothing at start-up.
 */
export class EchoEndpoint {
  private wss?: Promise<WebSocketServer>;

  /** Loads `ws` ahead of the first connection (call once the server listens). */
  warm(): void {
    void this.server().catch(() => {});
  }

  /** Completes the upgrade of `req` and echoes on the new socket. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const wss = await this.server();
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', () => ws.terminate());
    });
  }

  /** Closes every open echo socket (on shutdown: they are no longer tied to the HTTP server). */
  async close(): Promise<void> {
    if (!this.wss) return;
    const wss = await this.wss;
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private server(): Promise<WebSocketServer> {
    this.wss ??= import('ws').then(
      ({ WebSocketServer }) =>
        new WebSocketServer({
          noServer: true,
          // Echo back the first protocol offered, as most servers do; none offered → none.
          handleProtocols: (protocols) => protocols.values().next().value ?? false,
        }),
    );
    return this.wss;
  }
}
