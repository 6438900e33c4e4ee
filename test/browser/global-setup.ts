import { existsSync } from 'node:fs';

// A missing browser is a failure with instructions, never a silent skip.
export default function globalSetup(): void {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. Install Debian's build: \`apt-get update && apt-get install -y chromium\` ` +
        '(or set CHROMIUM_PATH). `npx playwright install` downloads a browser and does not work on these machines.',
    );
  }
}
