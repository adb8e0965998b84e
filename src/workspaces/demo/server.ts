// Entry point of the demo workspace: `node server.js` with PORT and HOME set (the
// local provider sets both). Imports are kept few so it listens within milliseconds.
import { createDemoServer } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const root = process.env.HOME;
if (!Number.isInteger(port) || port < 1 || port > 65535 || !root) {
  console.error(`demo workspace: set PORT (1-65535, got ${process.env.PORT ?? 'nothing'}) and HOME (got ${root ?? 'nothing'})`);
  process.exit(2);
}

const demo = await createDemoServer({ root });
demo.server.listen(port, '127.0.0.1', () => {
  console.log(`demo workspace serving ${root} on http://127.0.0.1:${port}`);
});

const shutdown = (signal: string) => {
  console.log(`demo workspace: ${signal}, shutting down`);
  // Bounded: a stuck client must not hold the exit past the provider's grace period.
  setTimeout(() => process.exit(0), 2000).unref();
  demo.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
