// Audits several pages with Lighthouse in one Chromium: the browser and Node start once, not once
// a page (the CLI spent about 6 s of its 12 s a page starting them).
//
//   node lighthouse_pages.mjs OUTPUT_DIR URL...
//
// Environment: CHROME_PATH (the browser), LIGHTHOUSE_HEADERS (JSON of extra request headers, e.g.
// the session cookie), LIGHTHOUSE_CATEGORIES (comma-separated). Writes OUTPUT_DIR/<n>.json, the
// report of the n-th URL (from 0), and exits non-zero if any audit could not run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const [outputDir, ...urls] = process.argv.slice(2);
if (!outputDir || urls.length === 0) {
  console.error('usage: node lighthouse_pages.mjs OUTPUT_DIR URL...');
  process.exit(2);
}
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
try {
  for (const [index, url] of urls.entries()) {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: (process.env.LIGHTHOUSE_CATEGORIES || 'accessibility,best-practices').split(','),
      extraHeaders: JSON.parse(process.env.LIGHTHOUSE_HEADERS || '{}'),
      // The picture of the whole page is only for the HTML report; it cost a second a page.
      disableFullPageScreenshot: true,
      // Waits for a quiet page (1 s each by default) are for the performance audits' trace;
      // a server-rendered page on this machine is quiet well within a quarter of a second.
      pauseAfterFcpMs: 250,
      pauseAfterLoadMs: 250,
      networkQuietThresholdMs: 250,
      cpuQuietThresholdMs: 250,
    });
    if (!result || result.lhr.runtimeError) {
      throw new Error(`${url}: ${result ? result.lhr.runtimeError.message : 'no report'}`);
    }
    await writeFile(path.join(outputDir, `${index}.json`), result.report);
  }
} finally {
  await chrome.kill();
}
