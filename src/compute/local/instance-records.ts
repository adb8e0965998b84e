import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * What the local provider remembers of one live instance, on disk, so that a runner
 * that restarts finds its environments again. The process start time guards against
 * pid reuse: a pid alone may name another process after a reboot or a long time.
 */
export const instanceRecordSchema = z.object({
  envId: z.string().min(1),
  name: z.string(),
  generation: z.number().int().min(0),
  pid: z.number().int().positive(),
  pgid: z.number().int().positive(),
  /** /proc/<pid>/stat field 22; absent where there is no /proc or the process was already gone. */
  procStart: z.string().optional(),
  address: z.string(),
  /** Declared port → allocated local port. */
  ports: z.record(z.string(), z.number().int().positive()),
  logPath: z.string(),
  /** Size of the log when this start began: the failure tail is read from here on. */
  logOffset: z.number().int().min(0),
  startedAt: z.string(),
  runnerId: z.string(),
});
export type InstanceRecord = z.infer<typeof instanceRecordSchema>;

/** The folder of instance records under a data dir, one JSON file per environment. */
export class InstanceRecords {
  constructor(readonly dir: string) {}

  /** Path of the record of `envId`. */
  pathOf(envId: string): string {
    return join(this.dir, `${envId}.json`);
  }

  /** Writes the record atomically (temp file + rename): a crash never leaves half a file. */
  async write(record: InstanceRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.pathOf(record.envId);
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, target);
  }

  /**
   * The same, synchronously: called in the tick that spawned the process, so a runner
   * killed right after a spawn still leaves the record behind (no await in between).
   */
  writeNow(record: InstanceRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const target = this.pathOf(record.envId);
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, target);
  }

  /** The record of `envId`, or undefined when there is none or it cannot be read. */
  async read(envId: string): Promise<InstanceRecord | undefined> {
    return this.readFile(this.pathOf(envId));
  }

  /** Every readable record. Unreadable files are skipped: they name no process we could manage. */
  async all(): Promise<InstanceRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.readFile(join(this.dir, n))),
    );
    return records.filter((r): r is InstanceRecord => r !== undefined);
  }

  /** Removes the record of `envId` if it still names process group `pgid` (or any, when omitted). */
  async remove(envId: string, pgid?: number): Promise<void> {
    if (pgid !== undefined) {
      const current = await this.read(envId);
      if (current && current.pgid !== pgid) return;
    }
    await rm(this.pathOf(envId), { force: true });
  }

  private async readFile(path: string): Promise<InstanceRecord | undefined> {
    try {
      const parsed = instanceRecordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
