// Browser test of the Măng login flow: demo database, real server, Debian Chromium.
//
//   MANG_BIN=/path/to/debug/mang node login.test.mjs
//
// Each numbered step is one test case. Prints `PASS name` / `FAIL name: reason` per
// case and finally exactly one line `N passed, M failed`; exits 1 if any case failed.
// The server and the browser are always stopped (try/finally), even on failure.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out');
const MANG_BIN = process.env.MANG_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const USERNAME = 'xa';
const PASSWORD = 'mang-demo-2026';
const WRONG_PASSWORD = 'sai-mat-khau';
const DEMO_TIMEOUT_MS = 10 * 60_000;
const SERVER_URL_TIMEOUT_MS = 60_000;
const HEALTHZ_TIMEOUT_MS = 30_000;
const ACTION_TIMEOUT_MS = 15_000;

// Chromium flags from shared/STACK.md §4 (root, no network, no /dev/shm check).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];
const PHONE = { locale: 'vi-VN', viewport: { width: 360, height: 800 } };

// ---------------------------------------------------------------------------------------
// Tiny test harness.

const results = [];
class Skip extends Error {}

async function testCase(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${name}`);
  } catch (err) {
    const reason = (err && err.message ? err.message : String(err)).split('\n')[0];
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${reason}`);
    if (process.env.MANG_TEST_VERBOSE && err && err.stack && !(err instanceof Skip)) {
      console.error(err.stack);
    }
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

function tail(lines, n = 20) {
  return lines.slice(-n).join('\n');
}

// ---------------------------------------------------------------------------------------
// Processes.

/** Runs a command to completion; resolves with its output, rejects on non-zero exit. */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d.toString()));
    child.stderr.on('data', (d) => out.push(d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const text = out.join('');
      if (code === 0) resolve(text);
      else reject(new Error(`${args[0]} exited with ${code ?? signal}; output tail: ${text.slice(-600).replace(/\s+/g, ' ')}`));
    });
  });
}

/** Starts `mang serve`, resolves with { child, url, log } once it prints its URL. */
function startServer(dbPath) {
  return new Promise((resolve, reject) => {
    // Own process group, so stopServer() also ends anything the server started.
    const child = spawn(MANG_BIN, ['serve', '--db', dbPath, '--addr', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    const log = [];
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(Object.assign(err, { child, log })); else resolve(value);
    };
    const timer = setTimeout(() => finish(Object.assign(
      new Error(`server printed no line containing http://127.0.0.1:<port> within ${SERVER_URL_TIMEOUT_MS / 1000} s; last output: ${tail(log, 5).replace(/\s+/g, ' ')}`))),
    SERVER_URL_TIMEOUT_MS);
    createInterface({ input: child.stderr }).on('line', (line) => log.push(`[stderr] ${line}`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.push(line);
      if (!done && line.includes('http://127.0.0.1:')) {
        const m = line.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (m) finish(null, { child, url: m[0], log });
      }
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, signal) => finish(
      new Error(`server exited early with ${code ?? signal}; output: ${tail(log, 5).replace(/\s+/g, ' ')}`)));
  });
}

/** SIGTERM to the server's process group, SIGKILL after 5 s. */
async function stopServer(child) {
  if (!child || !child.pid) return;
  const signalGroup = (sig) => {
    try { process.kill(-child.pid, sig); } catch { try { child.kill(sig); } catch { /* gone */ } }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  signalGroup('SIGKILL'); // anything left in the group
}

async function waitForHealthz(url) {
  const deadline = Date.now() + HEALTHZ_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`GET ${url}/healthz never answered 200 within ${HEALTHZ_TIMEOUT_MS / 1000} s (last: ${last})`);
}

// ---------------------------------------------------------------------------------------
// Page helpers.

async function newPhonePage(browser) {
  const context = await browser.newContext(PHONE);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  return { context, page };
}

/** Submits the login form and waits for the resulting navigation. */
async function submitLogin(page, username, password) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('#login-submit'),
  ]);
}

/** Id (or a short description) of the element that has keyboard focus. */
function focusedId(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '(body)';
    if (el.id) return `#${el.id}`;
    const cls = el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return `${el.tagName.toLowerCase()}${cls}`;
  });
}

// ---------------------------------------------------------------------------------------
// The test.

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'mang-browser-'));
  const db = join(tmp, 'demo.db');
  let server = null;
  let browser = null;
  let url = null;
  let demoOk = false;
  let loggedIn = null; // { context, page } after step 3 succeeds

  try {
    await testCase('1 demo database (mang demo --children 3000 --seed 7 --health)', async () => {
      assert(MANG_BIN, 'MANG_BIN is not set (path of the mang binary)');
      assert(existsSync(MANG_BIN), `MANG_BIN=${MANG_BIN} does not exist`);
      await run(MANG_BIN, ['demo', '--db', db, '--children', '3000', '--seed', '7', '--health'], DEMO_TIMEOUT_MS);
      assert(existsSync(db), `mang demo exited 0 but ${db} does not exist`);
      demoOk = true;
    });

    await testCase('2 server starts and /healthz answers 200', async () => {
      if (!demoOk) throw new Skip('skipped: no demo database (step 1 failed)');
      try {
        server = await startServer(db);
      } catch (e) {
        server = e.child ? { child: e.child, log: e.log } : null;
        throw e;
      }
      await waitForHealthz(server.url);
      url = server.url;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    });

    await testCase('3 / redirects to /login; Vietnamese labelled login form; log in as xa', async () => {
      if (!url || !browser) throw new Skip('skipped: server or browser not running (step 2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/`);
        assert(pathOf(page) === '/login', `GET / ended on ${page.url()}, expected a redirect to /login`);
        const lang = await page.getAttribute('html', 'lang');
        assert(lang === 'vi', `<html lang> is ${JSON.stringify(lang)}, expected "vi"`);
        for (const sel of ['#username', '#password', '#login-submit', 'label[for=username]', 'label[for=password]']) {
          assert(await page.locator(sel).count() > 0, `login page has no element matching ${sel}`);
        }
        const pwType = await page.getAttribute('#password', 'type');
        assert(pwType === 'password', `#password has type=${JSON.stringify(pwType)}, expected "password"`);
        await submitLogin(page, USERNAME, PASSWORD);
        loggedIn = { context, page };
      } finally {
        if (!loggedIn) await context.close();
      }
    });

    await testCase('4 home page at 360 px: h1 Trang chủ, .user-unit, .tree, no horizontal scroll', async () => {
      if (!loggedIn) throw new Skip('skipped: not logged in (step 3 failed)');
      const { page } = loggedIn;
      assert(pathOf(page) === '/', `after login the page is ${page.url()}, expected path /`);
      assert(await page.locator('h1').count() > 0, 'home page has no <h1>');
      const h1 = (await page.locator('h1').first().innerText()).trim();
      assert(h1.includes('Trang chủ'), `h1 is ${JSON.stringify(h1)}, expected it to contain "Trang chủ"`);
      assert(await page.locator('.user-unit').count() > 0, 'home page has no .user-unit element');
      const unit = (await page.locator('.user-unit').first().textContent() || '').trim();
      assert(/Xã|Phường|Đặc khu/.test(unit.normalize('NFC')),
        `.user-unit text is ${JSON.stringify(unit)}, expected it to contain Xã, Phường or Đặc khu`);
      assert(await page.locator('.tree').count() > 0, 'home page has no .tree element (villages with counts)');
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
      }));
      // Screenshot before the width assertion so a failing layout can be looked at.
      const shot = join(tmp, 'home-360.png');
      await page.screenshot({ path: shot, fullPage: true });
      mkdirSync(OUT, { recursive: true });
      copyFileSync(shot, join(OUT, 'home-360.png'));
      if (widths.scroll > 361) {
        const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > 361)
          .slice(0, 3)
          .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`)
          .join(', '));
        throw new Error(`horizontal scroll at 360 px: scrollWidth ${widths.scroll} > 361 (wide elements: ${wide || 'unknown'})`);
      }
    });

    await testCase('5 keyboard: Tab reaches #username, #password, #login-submit in order', async () => {
      if (!url || !browser) throw new Skip('skipped: server or browser not running (step 2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/login`);
        assert(pathOf(page) === '/login', `GET /login ended on ${page.url()}`);
        // Start from the focus the page gives itself: #username with `autofocus` counts as
        // reached. Otherwise elements before the form (skip link, brand link) may take a few
        // Tabs, but #password or #login-submit must not come first, and no wrap-around.
        const seen = [await focusedId(page)];
        for (let i = 0; i < 12 && seen.at(-1) !== '#username'; i++) {
          assert(seen.at(-1) !== '#password' && seen.at(-1) !== '#login-submit',
            `${seen.at(-1)} gets focus before #username (${seen.join(' → ')})`);
          await page.keyboard.press('Tab');
          seen.push(await focusedId(page));
        }
        assert(seen.at(-1) === '#username', `#username not reached by Tab; focus went ${seen.join(' → ')}`);
        await page.keyboard.press('Tab');
        seen.push(await focusedId(page));
        assert(seen.at(-1) === '#password', `Tab after #username went to ${seen.at(-1)}, expected #password (${seen.join(' → ')})`);
        // Allow at most two controls (e.g. "show password", "remember me") before the button.
        for (let i = 0; i < 3 && seen.at(-1) !== '#login-submit'; i++) {
          await page.keyboard.press('Tab');
          seen.push(await focusedId(page));
        }
        assert(seen.at(-1) === '#login-submit', `#login-submit not reached by Tab after #password; focus went ${seen.join(' → ')}`);
      } finally {
        await context.close();
      }
    });

    await testCase('6 wrong password shows .alert-error "không đúng" and stays on /login', async () => {
      if (!url || !browser) throw new Skip('skipped: server or browser not running (step 2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/login`);
        await submitLogin(page, USERNAME, WRONG_PASSWORD);
        assert(pathOf(page) === '/login', `after a wrong password the page is ${page.url()}, expected /login`);
        assert(await page.locator('.alert-error').count() > 0, 'no .alert-error element after a wrong password');
        const text = (await page.locator('.alert-error').first().textContent() || '').normalize('NFC');
        assert(text.includes('không đúng'), `.alert-error text is ${JSON.stringify(text.trim())}, expected it to contain "không đúng"`);
      } finally {
        await context.close();
      }
    });

    await testCase('7 registry: search without diacritics, open a child, edit the name, see it in the history', async () => {
      if (!loggedIn) throw new Skip('skipped: not logged in (step 3 failed)');
      const { page } = loggedIn;
      await page.goto(`${url}/children`);
      const first = (await page.locator('#children tbody tr td a').first().textContent()).trim();
      const folded = first.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
      await page.fill('#q', folded);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#search')]);
      const found = await page.locator('#children tbody tr td a', { hasText: first }).count();
      assert(found > 0, `searching "${folded}" did not find "${first}"`);
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator('#children tbody tr td a', { hasText: first }).first().click(),
      ]);
      assert(pathOf(page).startsWith('/children/'), `opened ${page.url()}`);
      const renamed = `${first} Mai`;
      await page.fill('#f-full_name', renamed);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#save-child')]);
      const h1 = (await page.locator('h1').textContent()).trim();
      assert(h1 === renamed, `after saving the heading is "${h1}", expected "${renamed}"`);
      const history = await page.locator('#history').textContent();
      assert(history.includes(`Họ và tên: ${first} → ${renamed}`), `history does not show the change: ${history.slice(0, 200)}`);
      await page.screenshot({ path: join(OUT, 'child-360.png'), fullPage: true });
    });

    await testCase('8 log out: #logout → /login, then / redirects to /login', async () => {
      if (!loggedIn) throw new Skip('skipped: not logged in (step 3 failed)');
      const { page } = loggedIn;
      if (pathOf(page) !== '/') await page.goto(`${url}/`);
      assert(pathOf(page) === '/', `logged-in session no longer reaches / (at ${page.url()})`);
      assert(await page.locator('#logout').count() > 0, 'no #logout element on the home page');
      const inForm = await page.evaluate(() => {
        const el = document.querySelector('#logout');
        return !!(el && el.closest('form'));
      });
      assert(inForm, '#logout is not inside a <form>');
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('#logout'),
      ]);
      assert(pathOf(page) === '/login', `after #logout the page is ${page.url()}, expected /login`);
      await page.goto(`${url}/`);
      assert(pathOf(page) === '/login', `after logout GET / ended on ${page.url()}, expected /login`);
    });

    await testCase('9 health: yte records a dose and a measurement, sees live z-scores and the updated due list', async () => {
      if (!demoOk || !url) throw new Skip('skipped: no server (steps 1–2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/login`);
        await submitLogin(page, 'yte', PASSWORD);
        assert(pathOf(page) === '/', `yte login ended on ${page.url()}`);
        await page.goto(`${url}/immunization`);
        const link = page.locator('#due-list tbody tr td a').first();
        assert(await link.count() > 0, 'the vaccination-day list is empty');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
        const childPath = pathOf(page);
        assert(childPath.startsWith('/children/'), `opened ${page.url()}`);
        const id = childPath.split('/')[2];
        const now = new Date();
        const today = `${String(now.getUTCDate()).padStart(2, '0')}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${now.getUTCFullYear()}`;
        // A dose the child is due for (the vaccination-day list's first, same session), today.
        const me0 = await (await page.request.get(`${url}/api/v1/me`)).json();
        const list0 = await (await page.request.get(`${url}/api/v1/units/${me0.unit_code}/immunization-due?period=month`)).json();
        const mine0 = list0.find((c) => String(c.child_id) === id);
        assert(mine0 && mine0.doses.length > 0, `child ${id} has no due dose in the list`);
        const dose = `${mine0.doses[0].antigen}:${mine0.doses[0].dose}`;
        await page.selectOption('#d-vaccine', dose);
        await page.fill('#d-date', today);
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#record-dose button[type=submit]')]);
        const doses = await page.locator('#doses').textContent();
        assert(doses.includes(today), `the dose of ${today} is not in the schedule: ${doses.slice(0, 200)}`);
        // A measurement: z-scores appear while typing, then in the table.
        await page.fill('#g-date', today);
        await page.fill('#g-weight', '10,5');
        await page.fill('#g-len', '82');
        await page.selectOption('#g-measure', 'h');
        await page.waitForFunction(() => (document.querySelector('#z-live')?.textContent || '').includes('Z cân nặng/tuổi'), null, { timeout: ACTION_TIMEOUT_MS });
        const live = (await page.locator('#z-live').textContent()).trim();
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#record-measurement button[type=submit]')]);
        const table = await page.locator('#measurements').textContent();
        const z = live.match(/Z cân nặng\/tuổi (-?[0-9]+,[0-9]{2})/);
        assert(z && table.includes(z[1]), `the saved z-score (${live}) is not in the table: ${table.slice(0, 200)}`);
        assert(await page.locator('#growth svg').count() === 3, 'no weight-for-age, length-for-age and weight-for-length/height charts');
        // The due list (its JSON, same session) no longer asks for this child's BCG.
        const me = await (await page.request.get(`${url}/api/v1/me`)).json();
        const list = await (await page.request.get(`${url}/api/v1/units/${me.unit_code}/immunization-due?period=month`)).json();
        const mine = list.find((c) => String(c.child_id) === id);
        const [antigen, doseNo] = dose.split(':');
        assert(!mine || !mine.doses.some((d) => d.antigen === antigen && String(d.dose) === doseNo), `${dose} of child ${id} still due: ${String(JSON.stringify(mine)).slice(0, 200)}`);
        await page.goto(`${url}/immunization?period=month`);
        assert(await page.locator('#due-list').count() === 1, 'the due-list page does not render');
        await page.screenshot({ path: join(OUT, 'health-360.png'), fullPage: true });
      } finally {
        await context.close();
      }
    });

    await testCase('10 cases: a hotline-111 call walked to closure by the commune officer and the chairman; the timeline shows every step', async () => {
      if (!demoOk || !url) throw new Skip('skipped: no server (steps 1–2 failed)');
      const vn = (days) => {
        const d = new Date(Date.now() + 7 * 3600_000 + days * 86400_000);
        return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
      };
      const today = vn(0);
      const officer = await newPhonePage(browser);
      const chairman = await newPhonePage(browser);
      try {
        await officer.page.goto(`${url}/login`);
        await submitLogin(officer.page, 'xa', PASSWORD);
        await chairman.page.goto(`${url}/login`);
        await submitLogin(chairman.page, 'chutich', PASSWORD);
        const o = officer.page;
        const c = chairman.page;
        const submit = async (page, form) => {
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`${form} button[type=submit]`)]);
          const err = page.locator('#case-error');
          if (await err.count()) throw new Error(`${form}: ${(await err.textContent()).trim()}`);
        };
        // Intake during the call.
        await o.goto(`${url}/cases`);
        await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), o.click('#new-case')]);
        await o.selectOption('#i-channel', 'hotline_111');
        await o.fill('#i-rname', 'Người gọi 111');
        await o.fill('#i-rphone', '0900000111');
        await o.check('#i-harms input[value=violence]');
        await o.fill('#i-desc', 'Tổng đài 111 chuyển: trẻ bị cha đánh, có vết thương.');
        await o.selectOption('#i-perp', 'parent');
        await o.fill('#i-cname0', 'Trẻ Thử Trình Duyệt');
        await o.selectOption('#i-csex0', 'Nữ');
        await o.fill('#i-cage0', '9');
        await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), o.click('#intake button[type=submit]')]);
        const casePath = pathOf(o);
        assert(/^\/cases\/[0-9]+$/.test(casePath), `intake ended on ${o.url()}`);
        const due0 = (await o.locator('#case-due').textContent()).trim();
        assert(due0.startsWith('còn'), `a new case's deadline: ${due0}`);
        // The officer verifies and assesses: serious risk.
        await o.fill('#v-find', 'Đã gặp trẻ; thông tin đúng.');
        await submit(o, '#step-verify');
        await o.check('#step-assess-initial input[name=serious_risk][value="1"]');
        await o.fill('#ai-find', 'Trẻ có nguy cơ bị tổn hại nghiêm trọng.');
        await submit(o, '#step-assess-initial');
        // The chairman applies emergency measures.
        await c.goto(`${url}${casePath}`);
        await c.check('#step-emergency input[value=safe_shelter]');
        await c.check('#step-emergency input[name=separated]');
        await c.fill('#em-place', 'Nhà bà ngoại');
        await submit(c, '#step-emergency');
        // The officer: specific assessment and the plan.
        await o.goto(`${url}${casePath}`);
        await o.fill('#as-child', 'Sợ hãi, ít nói');
        await o.fill('#as-fam', 'Cha nghiện rượu');
        await o.fill('#as-needs', 'Hỗ trợ tâm lý, nơi ở an toàn');
        await o.fill('#as-meet', today);
        await submit(o, '#step-assess-specific');
        await o.fill('#dp-goals', 'Trẻ an toàn, ổn định tâm lý');
        await o.fill('#dp-review', vn(30));
        await o.selectOption('#dp-m0', 'psychological');
        await o.fill('#dp-a0', 'Tư vấn tâm lý hằng tuần');
        await o.fill('#dp-r0', 'Trung tâm Công tác xã hội');
        await o.fill('#dp-s0', today);
        await o.fill('#dp-e0', vn(30));
        await submit(o, '#step-draft-plan');
        // The chairman approves.
        await c.goto(`${url}${casePath}`);
        await c.fill('#ap-no', '15/QĐ-UBND');
        await c.fill('#ap-on', today);
        await submit(c, '#step-approve');
        // The officer carries it out, records progress and reviews.
        await o.goto(`${url}${casePath}`);
        await submit(o, '#step-start');
        await o.selectOption('.measure-progress select[name=status]', 'done');
        await o.fill('.measure-progress input[name=progress]', 'Đã tư vấn 4 buổi');
        await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), o.click('.measure-progress button[type=submit]')]);
        await o.check('#step-review input[name=recommendation][value=close]');
        await o.fill('#rv-sum', 'Trẻ ổn định, an toàn');
        await submit(o, '#step-review');
        // The chairman closes it.
        await c.goto(`${url}${casePath}`);
        await c.selectOption('#cl-reason', 'safe_and_stable');
        await submit(c, '#step-close');
        const stage = (await c.locator('#case-stage').textContent()).trim();
        assert(stage === 'Đã kết thúc', `stage after closing: ${stage}`);
        const steps = await c.locator('#case-timeline li').evaluateAll((lis) => lis.map((li) => li.dataset.step));
        const expected = ['intake', 'verify', 'assess_initial', 'apply_emergency', 'assess_specific', 'draft_plan', 'approve_plan', 'start_plan', 'measure', 'review', 'close'];
        assert(JSON.stringify(steps) === JSON.stringify(expected), `timeline: ${steps.join(', ')}`);
        const timeline = await c.locator('#case-timeline').textContent();
        assert(timeline.includes('15/QĐ-UBND') && timeline.includes('Trẻ an toàn, ổn định'), 'the timeline shows the forms');
        await c.screenshot({ path: join(OUT, 'case-360.png'), fullPage: true });
      } finally {
        await officer.context.close();
        await chairman.context.close();
      }
    });

    await testCase('11 indicators: the province officer opens the scorecard, drills from a red cell to the commune and to the children behind it', async () => {
      if (!demoOk || !url) throw new Skip('skipped: no server (steps 1–2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/login`);
        await submitLogin(page, 'tinh', PASSWORD);
        await page.goto(`${url}/indicators?unit=31`);
        assert(await page.locator('#scorecard').count() === 1, 'no scorecard on /indicators');
        // A red cell: a commune whose underweight share misses the plan's target.
        const red = page.locator('#scorecard td.cell-not_met[data-indicator="underweight_under5_pct"] a').first();
        assert(await red.count() === 1, 'no red underweight cell in the scorecard');
        const cellText = (await red.textContent()).trim();
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), red.click()]);
        assert(pathOf(page) === '/indicators/underweight_under5_pct', `the red cell opened ${page.url()}`);
        const unit = new URL(page.url()).searchParams.get('unit');
        assert(/^[0-9]{5}$/.test(unit), `the drill-down is not at a commune: ${page.url()}`);
        const value = (await page.locator('#ind-value').textContent()).trim();
        assert(value === cellText, `the commune page shows ${value}, the cell ${cellText}`);
        assert(await page.locator('#trend').count() === 1 && await page.locator('.trend-chart').count() === 1, 'no trend');
        // And down to the children behind the number.
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#to-children')]);
        const rows = page.locator('#indicator-children tbody tr[data-in="true"]');
        const n = await rows.count();
        assert(n > 0, 'no child in the numerator');
        const first = rows.first().locator('a');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), first.click()]);
        assert(pathOf(page).startsWith('/children/'), `the child link opened ${page.url()}`);
        assert(await page.locator('#measurements').count() === 1, 'the child page has no measurements');
        await page.screenshot({ path: join(OUT, 'indicators-360.png'), fullPage: false });
      } finally {
        await context.close();
      }
    });

    await testCase('12 sites: an officer records a drowning-risk site, adds a fence after an inspection, and the commune progress changes', async () => {
      if (!demoOk || !url) throw new Skip('skipped: no server (steps 1–2 failed)');
      const { context, page } = await newPhonePage(browser);
      try {
        await page.goto(`${url}/login`);
        await submitLogin(page, 'xa', PASSWORD);
        await page.goto(`${url}/sites`);
        const counts = async () => (await page.locator('#site-counts').textContent()).trim().split('/').map(Number);
        const [done0, total0] = await counts();
        // A new pond without any measure.
        await page.fill('#s-name', 'Ao sau nhà văn hóa thôn');
        await page.selectOption('#s-kind', 'pond');
        await page.selectOption('#s-risk', 'high');
        await page.fill('#s-lat', '20,8601');
        await page.fill('#s-lon', '106,6822');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#new-site button[type=submit]')]);
        assert(/^\/sites\/[0-9]+$/.test(pathOf(page)), `saving the site ended on ${page.url()}`);
        const site = pathOf(page);
        await page.goto(`${url}/sites`);
        const [done1, total1] = await counts();
        assert(total1 === total0 + 1 && done1 === done0, `after adding: ${done1}/${total1}, before ${done0}/${total0}`);
        // The inspection puts up a fence.
        await page.goto(`${url}${site}`);
        await page.fill('#i-find', 'Đã làm rào chắn quanh ao');
        await page.check('#i-measures input[value=fence]');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#new-inspection button[type=submit]')]);
        const measures = (await page.locator('#site-measures').textContent()).trim();
        assert(measures.includes('Rào chắn'), `the site's measures: ${measures}`);
        await page.goto(`${url}/sites`);
        const [done2, total2] = await counts();
        assert(total2 === total1 && done2 === done1 + 1, `after the fence: ${done2}/${total2}`);
        assert(await page.locator('.sites-map circle').count() === total2, 'the plot does not show every site');
        await page.screenshot({ path: join(OUT, 'sites-360.png'), fullPage: false });
      } finally {
        await context.close();
      }
    });
    await testCase('13 reports: the commune fills and submits its 6-month report, the province returns it with a comment, the commune resubmits, the province approves and downloads the consolidated .docx', async () => {
      if (!demoOk || !url) throw new Skip('skipped: no server (steps 1–2 failed)');
      const xa = await newPhonePage(browser);
      const tinh = await newPhonePage(browser);
      const status = async (page) => page.getAttribute('#report-status', 'data-status');
      const go = async (page, sel) => Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(sel)]);
      try {
        const o = xa.page;
        const p = tinh.page;
        await o.goto(`${url}/login`);
        await submitLogin(o, 'xa', PASSWORD);
        await o.goto(`${url}/reports`);
        const row = o.locator('#schedules tr[data-period="2026S1"]').first();
        assert(await row.count() === 1, 'no 6-month report 2026S1 in the list');
        await Promise.all([o.waitForNavigation({ waitUntil: 'load' }), row.locator('button[type=submit]').click()]);
        assert(/^\/reports\/[0-9]+$/.test(pathOf(o)), `opening the report ended on ${o.url()}`);
        const reportPath = pathOf(o);
        await o.fill('#rp-results', 'Đã rà soát danh sách trẻ em có hoàn cảnh đặc biệt.\n- Tổ chức 3 buổi truyền thông phòng, chống đuối nước.');
        await o.fill('#rp-diff', 'Thiếu cộng tác viên ở hai tổ dân phố.');
        await o.fill('#rp-number', '21');
        await o.fill('#rp-signer', 'Phạm Văn Đức');
        await go(o, '#submit-report');
        assert(await status(o) === 'submitted', `after submitting: ${await status(o)}`);

        await p.goto(`${url}/login`);
        await submitLogin(p, 'tinh', PASSWORD);
        await p.goto(`${url}${reportPath}`);
        assert(await p.locator('#review-form').count() === 1, 'the province sees no review form');
        await p.fill('#rv-comment', 'Đề nghị bổ sung số trẻ bị tai nạn thương tích trong kỳ.');
        await go(p, '#return-report');
        assert(await status(p) === 'returned', `after returning: ${await status(p)}`);

        await o.goto(`${url}${reportPath}`);
        const events = await o.locator('#report-events').textContent();
        assert(events.includes('Đề nghị bổ sung số trẻ bị tai nạn'), 'the commune does not see the comment');
        assert(await o.inputValue('#rp-number') === '21', 'the returned report lost its number');
        await o.fill('#rp-results', 'Đã rà soát danh sách trẻ em có hoàn cảnh đặc biệt.\n- Trong kỳ có 2 trẻ bị tai nạn thương tích, đều đã được sơ cứu.');
        await go(o, '#submit-report');
        assert(await status(o) === 'submitted', `after resubmitting: ${await status(o)}`);

        await p.goto(`${url}${reportPath}`);
        await go(p, '#approve-report');
        assert(await status(p) === 'approved', `after approving: ${await status(p)}`);
        await o.goto(`${url}${reportPath}`);
        assert(await o.locator('#report-form').count() === 0, 'an approved report can still be edited');

        // The province's own report consolidates the communes' approved reports.
        const sched = await p.locator('a[href^="/reports/schedules/"]').first().getAttribute('href');
        await p.goto(`${url}${sched.split('?')[0]}?unit=31`);
        const approved = Number((await p.locator('#c-approved').textContent()).trim());
        assert(approved > 0, 'no approved commune report counted');
        if (await p.locator('#open-report').count() === 1) await go(p, '#open-report button');
        else await go(p, '#own-report');
        const consolidated = (await p.locator('#consolidation-counts').textContent()).trim();
        assert(consolidated.includes(`${approved} báo cáo đã duyệt`), `consolidation: ${consolidated}`);
        const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#dl-docx')]);
        assert(dl.suggestedFilename().endsWith('.docx'), `download named ${dl.suggestedFilename()}`);
        const file = await dl.path();
        const { readFileSync } = await import('node:fs');
        const bytes = readFileSync(file);
        assert(bytes.length > 10_000 && bytes.subarray(0, 2).toString() === 'PK', `the .docx is ${bytes.length} bytes`);
        await p.screenshot({ path: join(OUT, 'report-360.png'), fullPage: false });
      } finally {
        await xa.context.close();
        await tinh.context.close();
      }
    });
  } finally {
    if (loggedIn) await loggedIn.context.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (server) await stopServer(server.child).catch(() => {});
    const failed = results.some((r) => !r.ok);
    if (failed && server && server.log && server.log.length) {
      console.log('--- last server output ---');
      console.log(tail(server.log, 30));
    }
    if (process.env.MANG_KEEP_TMP) console.log(`temp dir kept: ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

let crashed = null;
try {
  await main();
} catch (e) {
  crashed = e;
  console.log(`FAIL harness: ${e && e.message ? e.message : e}`);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (crashed ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
