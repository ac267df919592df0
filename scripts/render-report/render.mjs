// Render a planwise Markdown report roughly the way GitHub shows it, then
// screenshot it with headless Chromium.
//
//   node render.mjs REPORT.md OUT.png [OUT.html]
//
// Markdown -> HTML: `marked` in GFM mode (tables, raw inline/block HTML such as
// <details> and <br>, fenced code). ```mermaid fences become diagrams drawn by
// the `mermaid` package, loaded from node_modules (no network). Styling:
// `github-markdown-css` (light theme) in a 980px column, as on a GitHub file view.
// The screenshot is taken only after every diagram has been drawn (or has failed).
//
// Environment:
//   CHROMIUM            browser binary (default /usr/bin/chromium)
//   RENDER_OPEN_DETAILS 1 = expand every <details> block (GitHub shows them closed)
//   RENDER_SCALE        device scale factor of the screenshot (default 1)
//
// Exit status: 0 ok; 2 when some mermaid diagram failed to parse/render (the
// outputs are still written, with GitHub-like error boxes in place of the
// diagrams); 1 on any other error.

import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Marked } from 'marked';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
const nm = join(here, 'node_modules');

const [mdPath, pngPath, htmlPath] = process.argv.slice(2);
if (!mdPath || !pngPath) {
  console.error('usage: node render.mjs REPORT.md OUT.png [OUT.html]');
  process.exit(1);
}

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// GFM, with a code renderer that leaves mermaid sources for the browser.
const marked = new Marked({ gfm: true, breaks: false });
marked.use({
  renderer: {
    code({ text, lang }) {
      const language = (lang || '').trim().split(/\s+/)[0];
      if (language === 'mermaid') {
        return `<div class="mermaid-block"><pre class="mermaid-src">${escapeHtml(text)}</pre></div>\n`;
      }
      const cls = language ? ` class="language-${escapeHtml(language)}"` : '';
      return `<div class="highlight"><pre><code${cls}>${escapeHtml(text)}\n</code></pre></div>\n`;
    },
  },
});

const markdown = await readFile(mdPath, 'utf8');
const body = marked.parse(markdown);
const githubCss = await readFile(join(nm, 'github-markdown-css', 'github-markdown-light.css'), 'utf8');

// Page chrome mimicking github.com's file view of a .md file.
const pageCss = `
  html, body { margin: 0; background: #ffffff; }
  .frame { box-sizing: border-box; width: 1012px; margin: 16px auto;
           border: 1px solid #d1d9e0; border-radius: 6px; }
  .frame > .bar { padding: 8px 16px; border-bottom: 1px solid #d1d9e0;
           background: #f6f8fa; border-radius: 6px 6px 0 0;
           font: 600 14px -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
           color: #1f2328; }
  .markdown-body { box-sizing: border-box; padding: 32px; }
  /* GitHub draws each diagram inside a bordered viewer, centred, scaled to fit. */
  .markdown-body .mermaid-block { margin-bottom: 16px; padding: 8px; text-align: center;
           border: 1px solid #d1d9e0; border-radius: 6px; background: #fff; overflow: auto; }
  .markdown-body .mermaid-block svg { max-width: 100%; height: auto; }
  .markdown-body .mermaid-src { display: none; }
  .markdown-body .mermaid-error { text-align: left; color: #d1242f; background: #ffebe9;
           border: 1px solid #ff818266; border-radius: 6px; padding: 8px 16px;
           font-size: 12px; white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
`;

const title = escapeHtml(mdPath.split('/').pop());
const openDetails = process.env.RENDER_OPEN_DETAILS === '1';
const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${githubCss}</style>
<style>${pageCss}</style>
</head><body>
<div class="frame"><div class="bar">${title}</div>
<article class="markdown-body">
${body}
</article></div>
<script src="${pathToFileURL(join(nm, 'mermaid', 'dist', 'mermaid.min.js')).href}" data-render-only></script>
<script data-render-only>
(async () => {
  const errors = [];
  if (${openDetails}) document.querySelectorAll('details').forEach((d) => { d.open = true; });
  try {
    mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
    const blocks = [...document.querySelectorAll('.mermaid-block')];
    for (const [i, block] of blocks.entries()) {
      const src = block.querySelector('.mermaid-src').textContent;
      try {
        await mermaid.parse(src);
        const { svg } = await mermaid.render('mermaid-' + i, src);
        block.insertAdjacentHTML('beforeend', svg);
      } catch (e) {
        const msg = String((e && (e.message || e.str)) || e);
        errors.push({ index: i, message: msg, source: src });
        const box = document.createElement('div');
        box.className = 'mermaid-error';
        box.textContent = 'Unable to render rich display\\n\\n' + msg;
        block.appendChild(box);
        // mermaid leaves a stray error SVG in <body> on failure
        document.querySelectorAll('body > [id^="dmermaid-"]').forEach((n) => n.remove());
      }
    }
  } catch (e) {
    errors.push({ index: -1, message: 'mermaid failed to load: ' + e, source: '' });
  }
  await document.fonts.ready;
  window.__renderErrors = errors;
  window.__renderDone = true;
})();
</script>
</body></html>
`;

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = await mkdtemp(join(tmpdir(), 'render-report-'));
// The page must be a file: URL so that the local mermaid.min.js can be loaded.
const pagePath = join(profile, 'page.html');
await writeFile(pagePath, html);

let exitCode = 0;
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir: join(profile, 'profile'),
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--allow-file-access-from-files',
  ],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1044, height: 800, deviceScaleFactor: Number(process.env.RENDER_SCALE || 1) });
  // Nothing may leave the machine: only file: and data: URLs are allowed.
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('file:') || u.startsWith('data:')) req.continue();
    else { console.error(`blocked request: ${u}`); req.abort(); }
  });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(pathToFileURL(pagePath).href, { waitUntil: 'load' });
  await page.waitForFunction('window.__renderDone === true', { timeout: 60000 });
  const errors = await page.evaluate('window.__renderErrors');
  for (const e of errors) {
    console.error(`mermaid diagram #${e.index + 1} failed: ${e.message}\n--- source ---\n${e.source}\n---`);
  }
  if (errors.length) exitCode = 2;
  const svgCount = await page.evaluate(`document.querySelectorAll('.mermaid-block > svg').length`);
  const blockCount = await page.evaluate(`document.querySelectorAll('.mermaid-block').length`);
  console.error(`mermaid: ${svgCount}/${blockCount} diagrams drawn`);

  const frame = await page.$('.frame');
  await frame.screenshot({ path: resolve(pngPath) });
  console.error(`wrote ${pngPath}`);

  if (htmlPath) {
    // A static copy: diagrams already drawn as inline SVG, no scripts, no file: links.
    const out = await page.evaluate(() => {
      document.querySelectorAll('script[data-render-only], .mermaid-src').forEach((n) => n.remove());
      return '<!DOCTYPE html>\n' + document.documentElement.outerHTML;
    });
    await writeFile(htmlPath, out);
    console.error(`wrote ${htmlPath}`);
  }
} finally {
  await browser.close();
  await rm(profile, { recursive: true, force: true });
}
process.exit(exitCode);
