/**
 * The app's entry: defines the elements that index.html composes and registers the service
 * worker (production builds only; in development every module is served fresh). No scoring code
 * here: `<anomaly-detector>` starts the detector worker, which is its own chunk.
 */
import '../anomaly-detector';
import '../txn-simulator-panel';
import '../txn-alert-feed';
import '../txn-metrics-panel';
import { registerServiceWorker } from './register-service-worker';

registerServiceWorker();
