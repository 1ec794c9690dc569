// `bun run docs:capabilities`: rewrites the generated matrix in docs/capabilities.md.
import { join } from "node:path";
import { withCurrentMatrix } from "../dataplane/providers/capability-matrix.ts";

const file = join(import.meta.dir, "../docs/capabilities.md");
await Bun.write(file, withCurrentMatrix(await Bun.file(file).text()));
console.log(`updated ${file}`);
