import { PasswordQueue } from '../../src/services/accounts/passwordQueue';
import { AppError } from '../../src/http/errors';

/** A task that finishes when the test says so. */
function heldTask(log?: string[], name?: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started = false;
  return {
    task: () => {
      started = true;
      if (log && name) log.push(name);
      return done;
    },
    finish: () => finish(),
    started: () => started,
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const NO_BOUND = Number.MAX_SAFE_INTEGER;

describe('PasswordQueue (the bcrypt queue)', () => {
  it('when more tasks than the concurrency arrive then the rest wait, in order, and never run beyond it', async () => {
    const queue = new PasswordQueue(2, 50);
    const tasks = [heldTask(), heldTask(), heldTask(), heldTask()];
    const runs = tasks.map((t, i) => queue.run(`k${i}`, NO_BOUND, t.task));
    await tick();
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false]);
    tasks[1]!.finish();
    await tick();
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false]);
    const late = heldTask();
    const lateRun = queue.run('late', NO_BOUND, late.task);
    tasks[0]!.finish();
    await tick();
    expect(tasks[3]!.started()).toBe(true);
    expect(late.started()).toBe(false);
    for (const t of [...tasks, late]) t.finish();
    await Promise.all([...runs, lateRun]);
    expect(queue.completed).toBe(5);
    expect(queue.admitted).toBe(0);
  });

  it('when one key has many tasks waiting then other keys take turns with it, and its own never overlap', async () => {
    const queue = new PasswordQueue(2, 50);
    const order: string[] = [];
    const a = [heldTask(order, 'a1'), heldTask(order, 'a2'), heldTask(order, 'a3')];
    const b = heldTask(order, 'b1');
    const runs = [...a.map((t) => queue.run('a', NO_BOUND, t.task)), queue.run('b', NO_BOUND, b.task)];
    await tick();
    // Two cores, but a's second task waits for its first: b runs beside it.
    expect(order).toEqual(['a1', 'b1']);
    b.finish();
    await tick();
    expect(order).toEqual(['a1', 'b1']); // a2 still waits for a1
    a[0]!.finish();
    await tick();
    expect(order).toEqual(['a1', 'b1', 'a2']);
    a[1]!.finish();
    a[2]!.finish();
    await Promise.all(runs);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('when the expected wait would pass the bound then a task is refused at once with 503 and Retry-After', async () => {
    const queue = new PasswordQueue(1, 100); // 100 ms a task until measured
    const held = [heldTask(), heldTask(), heldTask()];
    // Expected waits: 0, 100 and 200 ms, all under 250.
    const runs = held.map((t, i) => queue.run(`k${i}`, 250, t.task));
    expect(queue.expectedWaitMs('next')).toBe(300);
    const refused = heldTask();
    const err = await queue.run('next', 250, refused.task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(refused.started()).toBe(false);
    held.forEach((t) => t.finish());
    await Promise.all(runs);
    await expect(queue.run('next', 250, () => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it("when one key's own tasks would wait past the bound then only that key is refused", async () => {
    const queue = new PasswordQueue(4, 100);
    const held = [heldTask(), heldTask(), heldTask()];
    const runs = held.map((t) => queue.run('busy', 250, t.task));
    expect(queue.expectedWaitMs('busy')).toBe(300);
    await expect(queue.run('busy', 250, () => Promise.resolve(1))).rejects.toMatchObject({ status: 503 });
    await expect(queue.run('other', 250, () => Promise.resolve(2))).resolves.toBe(2);
    held.forEach((t) => t.finish());
    await Promise.all(runs);
  });

  it('when tasks run then the time of one is measured, and a failing task frees its turn', async () => {
    const queue = new PasswordQueue(1, 1_000);
    await queue.run('k', NO_BOUND, () => new Promise((r) => setTimeout(r, 20)));
    expect(queue.operationMs).toBeLessThan(1_000);
    expect(queue.operationMs).toBeGreaterThan(20);
    await expect(queue.run('k', NO_BOUND, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(queue.admitted).toBe(0);
    await expect(queue.run('k', NO_BOUND, () => Promise.resolve(1))).resolves.toBe(1);
  });
});
