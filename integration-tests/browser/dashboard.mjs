// Drives the Celeriac dashboard the way a person does, in Debian's Chromium (headless): node dashboard.mjs URL OUTDIR
// The worker must run prefork with 2 children and threads installed. Prints one JSON line with what it saw and
// exits 0, or prints the failure and exits 1. Steps: the page loads with no console errors and shows the pools
// and the children; a child killed with SIGKILL leaves the table and a replacement appears; a task sent from
// the form succeeds; grow, shrink and a running task's terminate button work; a click on "use threads"
// hot-swaps the pool and the page shows it; a screenshot is saved.
import { chromium } from 'playwright-core';

const [url, outDir] = process.argv.slice(2);
const problems = [];
const seen = {};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const fail = async (message) => {
  console.log(JSON.stringify({ ok: false, message, problems, seen }));
  await browser.close();
  process.exit(1);
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.setDefaultTimeout(30000);

  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('active-pool').textContent === 'prefork');
  await page.waitForFunction(() => document.getElementById('link').textContent === 'live');
  seen.pools = await page.$$eval('#pools tbody tr', (rows) => rows.map((r) => r.dataset.pool));
  for (const p of ['prefork', 'threads', 'green', 'solo']) if (!seen.pools.includes(p)) await fail('pool ' + p + ' is not listed');

  // The children, by pid, as the page shows them (the warm spare included).
  const children = async () => page.$$eval('#workers tbody tr', (rows) => rows.map((r) => ({ pid: r.dataset.worker, state: r.children[1].textContent })));
  await page.waitForFunction(() => [...document.querySelectorAll('#workers tbody tr')].filter((r) => r.children[1].textContent === 'idle').length >= 2);
  seen.childrenBefore = await children();

  // Tasks from the form: one add, checked in the recent tasks.
  await page.fill('#send-task', 'add');
  await page.fill('#send-args', '[2, 3]');
  await page.click('#send button[type=submit]');
  await page.waitForFunction(() => document.getElementById('send-result').textContent.startsWith('sent '));
  const id = await page.$eval('#send-result', (e) => e.dataset.id);
  await page.waitForFunction((id) => [...document.querySelectorAll('#recent tbody tr')]
    .some((r) => r.children[0].textContent === id && r.children[2].textContent === 'SUCCESS' && r.children[4].textContent === '5'), id);
  seen.sentTask = id;

  // Some load for the chart, through the page's own API client (the same token and headers as the buttons).
  await page.evaluate(async () => {
    for (let i = 0; i < 200; i++) await api('/api/send', { task: 'add', args: [i, 1] });
  });

  // SIGKILL a working child: it leaves the table, a replacement (a promoted spare or a new child) takes its place.
  const victim = seen.childrenBefore.find((c) => c.state === 'idle' || c.state === 'busy').pid;
  process.kill(Number(victim), 'SIGKILL');
  await page.waitForFunction((pid) => ![...document.querySelectorAll('#workers tbody tr')].some((r) => r.dataset.worker === pid), victim);
  await page.waitForFunction(() => [...document.querySelectorAll('#workers tbody tr')].filter((r) => r.children[1].textContent === 'idle' || r.children[1].textContent === 'busy').length >= 2);
  seen.killed = victim;
  seen.childrenAfter = await children();
  if (seen.childrenAfter.some((c) => c.pid === victim)) await fail('the killed child is still listed');
  await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((li) => li.textContent.includes('worker-lost')));

  // Grow and shrink from the buttons: the concurrency card follows.
  await page.click('#grow');
  await page.waitForFunction(() => document.getElementById('concurrency').textContent === '3');
  await page.click('#shrink');
  await page.waitForFunction(() => document.getElementById('concurrency').textContent === '2');
  seen.resized = true;

  // Terminate a running task from its row.
  const sleeper = await page.evaluate(async () => (await api('/api/send', { task: 'sleep', args: [60] })).id);
  await page.waitForFunction((id) => !!document.getElementById('terminate-' + id), sleeper);
  await page.click('#terminate-' + sleeper);
  await page.waitForFunction((id) => [...document.querySelectorAll('#recent tbody tr')]
    .some((r) => r.children[0].textContent === id && r.children[2].textContent === 'REVOKED'), sleeper);
  seen.terminated = sleeper;

  // Hot-swap from the page.
  await page.click('#use-threads');
  await page.waitForFunction(() => document.getElementById('active-pool').textContent === 'threads');
  await page.waitForFunction(() => document.querySelector('#pools tr.active')?.dataset.pool === 'threads');
  await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((li) => li.textContent.includes('pool-swapped') && li.textContent.includes('threads')));
  seen.activeAfterSwap = await page.$eval('#active-pool', (e) => e.textContent);
  await page.evaluate(async () => { for (let i = 0; i < 100; i++) await api('/api/send', { task: 'add', args: [i, 2] }); });
  await page.waitForTimeout(2500); // two pushes: the chart shows the load after the swap line
  await page.screenshot({ path: outDir + '/dashboard.png', fullPage: true });

  if (problems.length) await fail('the page reported errors');
  console.log(JSON.stringify({ ok: true, problems, seen }));
  await browser.close();
} catch (e) {
  await fail(e.stack || String(e));
}
