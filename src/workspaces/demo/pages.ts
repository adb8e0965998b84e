/** HTML of the demo workspace: one stylesheet and one small script, inline (no external assets). */

/** One row of a folder listing. */
export interface Entry {
  name: string;
  isDir: boolean;
  size: number;
  modified: Date;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `a/b c` → `a/b%20c`: each segment encoded, slashes kept. */
export function encodePath(rel: string): string {
  return rel.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

/** A byte count for people: 1.2 MB. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

function formatDate(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:baseline}
header b{font-size:1.1rem}header span{color:#aab3c5}main{max-width:980px;margin:1.5rem auto;padding:0 1rem}
nav{margin-bottom:1rem;font-size:1.05rem}a{color:#2458d6;text-decoration:none}a:hover{text-decoration:underline}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 3px #0002}
th,td{padding:.45rem .8rem;text-align:left;border-bottom:1px solid #eceef2}th{background:#fafbfc;font-weight:600;color:#566}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.d{white-space:nowrap;color:#667}
.tools{display:flex;gap:1.5rem;flex-wrap:wrap;margin:1rem 0}.tools form{display:flex;gap:.5rem;align-items:center}
button{padding:.3rem .8rem;border:1px solid #2458d6;background:#2458d6;color:#fff;border-radius:5px;cursor:pointer}
input[type=text]{padding:.3rem .5rem;border:1px solid #ccd;border-radius:5px}
pre{background:#fff;padding:1rem;border-radius:8px;box-shadow:0 1px 3px #0002;overflow:auto;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace}
.empty{color:#889;text-align:center;padding:1.5rem}#status{color:#a33}
`;

// Uploads stream the file as the raw body of a PUT; folders are made with a JSON POST.
// Both need a script (a plain cross-site form can do neither), which keeps them CSRF-safe.
const SCRIPT = `
const s=document.getElementById('status');
async function send(url,opts){const r=await fetch(url,opts);if(!r.ok){s.textContent=await r.text();return false}return true}
document.getElementById('upload').addEventListener('submit',async e=>{e.preventDefault();const f=e.target;
for(const file of f.file.files){s.textContent='Uploading '+file.name+'…';if(!await send(f.dataset.target+encodeURIComponent(file.name),{method:'PUT',body:file}))return}
location.reload()});
document.getElementById('mkdir').addEventListener('submit',async e=>{e.preventDefault();const f=e.target;
if(await send(f.dataset.target,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({name:f.name.value})}))location.reload()});
`;

function layout(title: string, root: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · demo workspace</title><style>${STYLE}</style></head>
<body><header><b>Demo workspace</b><span>${escapeHtml(root)}</span></header><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

function folderHref(rel: string): string {
  return rel ? `/browse/${encodePath(rel)}/` : '/browse/';
}

function breadcrumbs(rel: string): string {
  const parts = rel.split('/').filter(Boolean);
  const links = [`<a href="/browse/">home</a>`];
  parts.forEach((p, i) => {
    if (i === parts.length - 1) links.push(`<b>${escapeHtml(p)}</b>`);
    else links.push(`<a href="${escapeHtml(folderHref(parts.slice(0, i + 1).join('/')))}">${escapeHtml(p)}</a>`);
  });
  return `<nav>${links.join(' / ')}</nav>`;
}

/** The listing of a folder (`rel` is relative to the home, '' for the home itself). */
export function folderPage(root: string, rel: string, entries: Entry[]): string {
  const sorted = [...entries].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
  const base = rel ? `${encodePath(rel)}/` : '';
  const rows = sorted.map((e) => {
    const href = `/browse/${base}${encodeURIComponent(e.name)}${e.isDir ? '/' : ''}`;
    const download = e.isDir ? '' : `<a href="/download/${escapeHtml(base + encodeURIComponent(e.name))}">download</a>`;
    return `<tr><td><a href="${escapeHtml(href)}">${e.isDir ? '📁 ' : ''}${escapeHtml(e.name)}${e.isDir ? '/' : ''}</a></td><td class="n">${e.isDir ? '' : formatSize(e.size)}</td><td class="d">${formatDate(e.modified)}</td><td>${download}</td></tr>`;
  });
  const parent = rel.split('/').filter(Boolean).slice(0, -1).join('/');
  const up = rel ? `<tr><td colspan="4"><a href="${escapeHtml(folderHref(parent))}">⬆ parent folder</a></td></tr>` : '';
  const table = `<table><thead><tr><th>Name</th><th>Size</th><th>Modified</th><th></th></tr></thead><tbody>${up}${
    rows.join('') || '<tr><td colspan="4" class="empty">This folder is empty.</td></tr>'
  }</tbody></table>`;
  const tools = `<div class="tools">
<form id="upload" data-target="/files/${escapeHtml(base)}"><input type="file" name="file" multiple required><button>Upload</button></form>
<form id="mkdir" data-target="/mkdir/${escapeHtml(base)}"><input type="text" name="name" placeholder="new folder" required><button>Create folder</button></form>
<span id="status" role="status"></span></div>`;
  return layout(rel || 'home', root, breadcrumbs(rel) + tools + table, SCRIPT);
}

/** A text file shown inline. */
export function textPage(root: string, rel: string, text: string): string {
  return layout(rel, root, `${breadcrumbs(rel)}<p><a href="/download/${escapeHtml(encodePath(rel))}">download</a></p><pre>${escapeHtml(text)}</pre>`);
}

/** A file that is binary or too large to show. */
export function binaryPage(root: string, rel: string, size: number, why: string): string {
  return layout(
    rel,
    root,
    `${breadcrumbs(rel)}<p>${escapeHtml(why)} (${formatSize(size)}).</p><p><a href="/download/${escapeHtml(encodePath(rel))}">download it</a></p>`,
  );
}
