// plotly.js from the installed `plotly.js-dist` package, as text to inline into HTML: figures must work
// offline (no CDN), in the standalone report and in notebook HTML outputs alike.
// Read once per process and cached (about 10 MB: plotly.js-dist ships unminified).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let cached: { source: string; version: string } | undefined;

function load(): { source: string; version: string } {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    let file: string;
    try {
      file = require.resolve('plotly.js-dist');
    } catch (err) {
      throw new Error(
        `plotlyJsSource: the 'plotly.js-dist' package is not installed (${(err as Error).message})`,
      );
    }
    const source = readFileSync(file, 'utf8');
    const version = /plotly\.js v([0-9][^\s*]*)/.exec(source.slice(0, 500))?.[1] ?? 'unknown';
    cached = { source, version };
  }
  return cached;
}

/** The plotly.js bundle, safe to put between `<script>` and `</script>` (any `</script` inside is escaped). */
export function plotlyJsSource(): string {
  return load().source.replace(/<\/script/gi, '<\\/script');
}

/** The version of the bundled plotly.js. */
export function plotlyJsVersion(): string {
  return load().version;
}

/** JSON for an inline `<script>`: `<`, `>` and `&` escaped so no string inside can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
