/** A worker's metrics in tests: starting one with its port, reading its Prometheus text. */
import type { FakeFcm } from './fakeFcm';
import { startedWorker, type WorkerHandle } from './workerProcess';

export const COMMANDS = 'pictever_worker_db_commands_total';

/** The value of one sample line, e.g. `name{label="x"}`; undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The sum of the command counts whose labels include `labels` (e.g. `collection="x"`; "" for all). */
export function commandsWith(text: string, labels: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${COMMANDS}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** A real worker pushing to `fcm`, serving /metrics behind `token` on a free port, and its address. */
export async function startedWorkerWithMetrics(
  uri: string,
  fcm: FakeFcm,
  token: string,
): Promise<{ worker: WorkerHandle; base: string }> {
  const worker = await startedWorker({
    MONGODB_URI: uri,
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    NODE_EXTRA_CA_CERTS: fcm.caFile,
    OPERATOR_TOKEN: token,
    WORKER_METRICS_PORT: '0',
  });
  const started = worker.logs.find((l) => l.msg === 'worker started');
  return { worker, base: `http://127.0.0.1:${String(started?.metricsPort)}` };
}
