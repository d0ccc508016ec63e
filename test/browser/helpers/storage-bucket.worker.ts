/**
 * The real detector worker, storing in the IndexedDB of the storage bucket named by `?bucket=`
 * (Storage Buckets API) instead of the origin's default bucket. The bucket counts against the
 * origin's quota like the default one, but has a backend of its own in Chromium: one that has not
 * cached a quota answer from before the test (see worker-storage-quota.test.ts).
 */
import * as Comlink from 'comlink';
import { createDetectorService } from '../../../src/worker/detector-service';
import type { DetectorInit } from '../../../src/worker/service-types';

interface StorageBucketManager {
  open(name: string, options?: { persisted?: boolean; durability?: 'strict' | 'relaxed' }): Promise<{ indexedDB: IDBFactory }>;
}

const name = new URL(self.location.href).searchParams.get('bucket');
if (!name) throw new Error('storage-bucket.worker.ts: give the bucket as ?bucket=<name>');
const buckets = (navigator as Navigator & { storageBuckets?: StorageBucketManager }).storageBuckets;
if (!buckets) throw new Error('storage-bucket.worker.ts: this browser has no Storage Buckets API (navigator.storageBuckets)');

let factory: IDBFactory | undefined;
const opened = buckets.open(name).then((bucket) => {
  factory = bucket.indexedDB;
});
const service = createDetectorService({
  // Read when `init` opens the storage, which waits for the bucket below.
  get indexedDB(): IDBFactory {
    if (!factory) throw new Error(`storage bucket ${JSON.stringify(name)} is not open yet`);
    return factory;
  },
});
const init = service.init.bind(service);
service.init = async (options: DetectorInit) => {
  await opened;
  return init(options);
};
Comlink.expose(service);
