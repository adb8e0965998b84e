import { DescribeTasksCommand, type ECSClient, type Failure, type Task } from '@aws-sdk/client-ecs';
import { providerErrorFrom } from './aws-errors.js';

/** DescribeTasks accepts at most this many task ARNs per call. */
export const DESCRIBE_BATCH = 100;

export interface DescribedTasks {
  tasks: Task[];
  failures: Failure[];
  /** DescribeTasks calls made. */
  calls: number;
}

/**
 * Describes any number of tasks in batches of 100 ARNs, at most `concurrency` calls
 * in flight. One failed batch fails the pass: a partial view would make the
 * reconciler think tasks vanished.
 */
export async function describeTasks(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
  opts: { concurrency: number; includeTags?: boolean },
): Promise<DescribedTasks> {
  const unique = [...new Set(arns)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += DESCRIBE_BATCH) batches.push(unique.slice(i, i + DESCRIBE_BATCH));
  const out: DescribedTasks = { tasks: [], failures: [], calls: 0 };
  await forEachLimited(batches, opts.concurrency, async (tasks) => {
    out.calls++;
    try {
      const r = await ecs.send(new DescribeTasksCommand({ cluster, tasks, ...(opts.includeTags ? { include: ['TAGS'] } : {}) }));
      out.tasks.push(...(r.tasks ?? []));
      out.failures.push(...(r.failures ?? []));
    } catch (err) {
      throw providerErrorFrom(err, `DescribeTasks (${tasks.length} tasks)`);
    }
  });
  return out;
}

/** Runs `fn` over `items` with at most `limit` running at once; rejects on the first failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
