/**
 * The detector worker: exposes the detector service through Comlink. The main thread imports
 * only its types (`DetectorService`), through `src/ui/detector-client.ts`.
 */
import * as Comlink from 'comlink';
import { createDetectorService } from './detector-service';

Comlink.expose(createDetectorService());
