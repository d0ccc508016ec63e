/** The real detector worker in a realm without IndexedDB (as in some private-browsing modes). */
import * as Comlink from 'comlink';
import { createDetectorService } from '../../../src/worker/detector-service';

Object.defineProperty(self, 'indexedDB', { value: undefined, configurable: true });
Comlink.expose(createDetectorService());
