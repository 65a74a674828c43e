import { WorkGate } from '../../src/services/accounts/passwords';
import { AppError } from '../../src/http/errors';

/** A task that finishes when the test says so. */
function heldTask() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started = false;
  return {
    task: () => {
      started = true;
      return done;
    },
    finish: () => finish(),
    started: () => started,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkGate (the bcrypt queue)', () => {
  it('when more tasks than the concurrency arrive then the rest wait, in order, and never run beyond it', async () => {
    const gate = new WorkGate(2);
    const tasks = [heldTask(), heldTask(), heldTask(), heldTask()];
    const runs = tasks.map((t) => gate.run(10, t.task));
    await tick();
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false]);
    tasks[1]!.finish();
    await tick();
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false]);
    // A new arrival does not overtake the waiting task, and the bound holds.
    const late = heldTask();
    const lateRun = gate.run(10, late.task);
    tasks[0]!.finish();
    await tick();
    expect(tasks[3]!.started()).toBe(true);
    expect(late.started()).toBe(false);
    for (const t of [...tasks, late]) t.finish();
    await Promise.all([...runs, lateRun]);
    expect(gate.completed).toBe(5);
    expect(gate.admitted).toBe(0);
  });

  it('when the capacity is reached then a new task is refused at once with 503 and Retry-After', async () => {
    const gate = new WorkGate(1);
    const held = [heldTask(), heldTask(), heldTask()];
    const runs = held.map((t) => gate.run(3, t.task));
    const refused = heldTask();
    const err = await gate.run(3, refused.task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(refused.started()).toBe(false);
    held.forEach((t) => t.finish());
    await Promise.all(runs);
    await expect(gate.run(3, () => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('when a task fails then its slot is freed and the error reaches its caller', async () => {
    const gate = new WorkGate(1);
    await expect(gate.run(2, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.admitted).toBe(0);
    await expect(gate.run(2, () => Promise.resolve(1))).resolves.toBe(1);
  });
});
