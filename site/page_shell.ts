// The frame every page of the site shares: head, navigation and footer, with links relative to the page
// (`root` is the path from the page back to the site's root, '' or '../'), so the folder can be served from
// any path of any static host. plotly.js is loaded once per page that has figures, from the site's own copy of
// the package's bundle (no CDN), followed by figures.js, which draws every figure of the page.

export interface PageOptions {
  title: string;
  /** Path from the page to the site root: '' for the root's pages, '../' one level down. */
  root: string;
  /** Body HTML (inside <main>). */
  body: string;
  /** The page has plotly figures (loads assets/plotly.js and assets/figures.js). */
  plotly?: boolean;
  /** More scripts (paths relative to the page), loaded after plotly. */
  scripts?: string[];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A whole HTML page. */
export function pageHtml(o: PageOptions): string {
  const scripts = [
    ...(o.plotly ? [`${o.root}assets/plotly.js`, `${o.root}assets/figures.js`] : []),
    ...(o.scripts ?? []),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)} - batch-shaping</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${o.root}assets/site.css">
</head>
<body>
<header><nav><a href="${o.root}index.html">batch-shaping</a> <a href="${o.root}explorer/index.html">gate explorer</a> <a href="${o.root}index.html#notebooks">notebooks</a> <a href="${o.root}index.html#method">the method on Fashion-MNIST</a></nav></header>
<main>
${o.body}
</main>
<footer>Built by <code>npm run site</code> from the repository's notebooks, results and shipped checkpoint.</footer>
${scripts.map((s) => `<script src="${s}"></script>`).join('\n')}
</body>
</html>
`;
}

/** A figure placeholder: a div figures.js fills from the JSON script element after it. */
export function figureHtml(id: string, figure: unknown): string {
  const json = JSON.stringify(figure)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<div class="bs-figure" id="${id}"></div><script type="application/json" data-figure-for="${id}">${json}</script>`;
}
