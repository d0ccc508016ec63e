/**
 * A detector worker that misbehaves on demand, for the client's crash handling: `detect` of a
 * transaction whose id is "throw" raises an uncaught error in the worker, "hang" blocks its event
 * loop (so only the heartbeat notices). Everything else is the real service.
 */
import * as Comlink from 'comlink';
import { createDetectorService } from '../../../src/worker/detector-service';

const service = createDetectorService();
const detect = service.detect.bind(service);
service.detect = (txn: unknown) => {
  const id = (txn as { transaction_id?: unknown } | null)?.transaction_id;
  if (id === 'throw') {
    setTimeout(() => {
      throw new Error('boom: simulated bug in the worker');
    });
    return new Promise(() => undefined);
  }
  if (id === 'hang') {
    const until = performance.now() + 10_000;
    while (performance.now() < until) {
      // A stuck worker: no message is processed until the client terminates it.
    }
  }
  return detect(txn);
};
Comlink.expose(service);
