// Browser tests need Debian's Chromium; fail loudly with the fix instead of skipping them.
import { accessSync, constants } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
try {
  accessSync(path, constants.X_OK);
} catch {
  console.error(`Browser tests need Chromium at ${path}, which is missing.
Install it with:  sudo apt-get update && sudo apt-get install -y chromium
(or set CHROMIUM_PATH to a Chromium/Chrome binary). The tests never download a browser.`);
  process.exit(1);
}
