/**
 * The console's one stylesheet, served under a content-hashed name (no inline styles: the page's CSP allows
 * none). Colours keep at least 4.5:1 contrast against their backgrounds; focus is always visible.
 */
export const CONSOLE_STYLES = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
  sans-serif; font-size: 15px; line-height: 1.5; color: #1b1f24; background: #f4f6f8; }
body { margin: 0; }
a { color: #0b57a4; }
a:hover { color: #083f77; }
:focus-visible { outline: 3px solid #c25e00; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
header.top { background: #12314f; color: #fff; }
header.top .bar { max-width: 1200px; margin: 0 auto; padding: .5rem 1rem; display: flex; flex-wrap: wrap;
  align-items: center; gap: .75rem 1.5rem; }
header.top a, header.top button.link { color: #fff; }
header.top .brand { font-weight: 700; text-decoration: none; font-size: 1.05rem; }
header.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
header.top form { margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.card > h2:first-child, .card > h3:first-child { margin-top: 0; }
section.card, .card { background: #fff; border: 1px solid #ccd3da; border-radius: 6px; padding: 1rem;
  margin-bottom: 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
table { width: 100%; border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #dde2e7; vertical-align: top; }
th { background: #e9edf1; font-weight: 600; }
tr.unread td { font-weight: 600; background: #fffbe6; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; color: #3d4652; }
dl.facts dd { margin: 0; }
label { display: block; font-weight: 600; margin: .5rem 0 .15rem; }
input, select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #6b7682; border-radius: 4px;
  background: #fff; color: #1b1f24; max-width: 100%; }
input[type="text"], input[type="search"], input[type="datetime-local"], input[type="number"], input[type="date"],
input[type="month"], select, textarea { width: 100%; }
textarea { min-height: 5rem; }
fieldset { border: 1px solid #ccd3da; border-radius: 6px; margin: .75rem 0; padding: .5rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 .25rem; }
.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
.row > * { flex: 1 1 12rem; }
.row > .shrink { flex: 0 0 auto; }
button, .button { font: inherit; font-weight: 600; padding: .4rem .9rem; border-radius: 4px; border: 1px solid #0b57a4;
  background: #0b57a4; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: #0b57a4; }
button.link { background: none; border: none; padding: 0; text-decoration: underline; font-weight: 400; }
form.inline { display: inline; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85rem; font-weight: 600;
  border: 1px solid currentColor; }
.badge.overdue, .badge.escalated { color: #a61b1b; }
.badge.unread { color: #7a4d00; }
.badge.ok { color: #1d6b2f; }
.muted { color: #4f5a66; }
.flash { border-left: 4px solid #1d6b2f; background: #eaf6ec; padding: .5rem 1rem; margin-bottom: 1rem; }
.flash.error { border-color: #a61b1b; background: #fbeaea; }
.errors { color: #a61b1b; }
ul.timeline { list-style: none; padding: 0; margin: 0; }
ul.timeline li { border-left: 3px solid #8fa6bd; padding: .25rem .75rem; margin-bottom: .5rem; }
.chart { margin: 0 0 1rem; }
.chart svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
caption { text-align: left; font-weight: 700; padding: .25rem 0; }
.signin-users { list-style: none; padding: 0; }
.signin-users li { margin: .4rem 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
`;
