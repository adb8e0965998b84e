/** Child process entry that runs the `airlock` CLI dispatcher (used inside a network namespace). */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
