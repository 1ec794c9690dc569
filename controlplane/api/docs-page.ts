// /manage/docs: a page that reads the OpenAPI document and lists the operations. Self-contained
// (no CDN), so it works on an air-gapped control plane; any OpenAPI viewer can load the document.
export function docsPage(documentUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>modelux Management API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
  h2 { margin-top: 2rem; text-transform: capitalize; }
  details { border: 1px solid #ddd; border-radius: 6px; margin: .4rem 0; padding: .4rem .8rem; }
  summary { cursor: pointer; }
  code, pre { font: 13px ui-monospace, monospace; }
  pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; }
  .method { display: inline-block; width: 4.5rem; font-weight: 600; }
  .role { color: #666; float: right; }
</style>
</head>
<body>
<h1>modelux Management API</h1>
<p>Authenticate with <code>Authorization: Bearer mlx_mk_…</code>. The document:
<a href="${documentUrl}">${documentUrl}</a>. Every operation is also an MCP tool at <code>/mcp</code>.</p>
<div id="operations">Loading…</div>
<script type="module">
  const target = document.getElementById("operations");
  const escape = (text) => String(text ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"})[c]);
  try {
    const doc = await (await fetch(${JSON.stringify(documentUrl)})).json();
    const byTag = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        (byTag[op.tags?.[0] ?? "other"] ??= []).push({ path, method, op });
      }
    }
    target.innerHTML = Object.entries(byTag).map(([tag, ops]) => "<h2>" + escape(tag) + "</h2>" + ops.map(({ path, method, op }) =>
      "<details><summary><span class=method>" + method.toUpperCase() + "</span><code>" + escape(doc.servers[0].url + path) +
      "</code> " + escape(op.summary) + "<span class=role>" + escape(op["x-required-role"]) + "</span></summary>" +
      "<p>" + escape(op.description) + "</p>" +
      (op.parameters?.length ? "<pre>" + escape(JSON.stringify(op.parameters, null, 2)) + "</pre>" : "") +
      (op.requestBody ? "<p>Body:</p><pre>" + escape(JSON.stringify(op.requestBody.content["application/json"].schema, null, 2)) + "</pre>" : "") +
      "</details>").join("")).join("");
  } catch (error) {
    target.textContent = "Could not load the document: " + error;
  }
</script>
</body>
</html>`;
}
