/**
 * Keeps the documentation's commands true: every `npm run <script>` it names exists in package.json,
 * every `fl:<task>` is registered by scripts/tasks/*.ts (read as text: Hardhat is not loaded), and every
 * relative link points at a file that exists (and, for a Markdown file, at a heading it has).
 * A failure lists each offender as `file:line: name`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");

/** The documents checked: README.md, every docs/*.md and web/README.md (paths relative to the root). */
function documents(root: string): string[] {
  const docsDir = path.join(root, "docs");
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir)
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ["README.md", ...docs, "web/README.md"];
}

interface Doc {
  /** Path relative to the repository root, as reported. */
  file: string;
  text: string;
}

function read(root: string, file: string): Doc {
  return { file, text: readFileSync(path.join(root, file), "utf8") };
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** npm's own commands that run a package.json script of the same name. */
const LIFECYCLE_SCRIPTS: Record<string, string> = { test: "test", t: "test", start: "start", stop: "stop" };

/** `npm run <script>` (also across a line break, and `npm run x -- --flags`), `npm test` and the like. */
export function npmScriptProblems(doc: Doc, scripts: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const m of doc.text.matchAll(/\bnpm\s+(?:run|run-script)\s+([\w:-]+)/g)) {
    if (!scripts.has(m[1])) problems.push(`${doc.file}:${lineOf(doc.text, m.index)}: npm run ${m[1]}`);
  }
  for (const m of doc.text.matchAll(/\bnpm\s+(test|t|start|stop)\b/g)) {
    const script = LIFECYCLE_SCRIPTS[m[1]];
    if (!scripts.has(script)) problems.push(`${doc.file}:${lineOf(doc.text, m.index)}: npm ${m[1]}`);
  }
  return problems;
}

/** `fl:<task>` wherever it appears (a bare "`fl:` tasks" names no task). */
export function flTaskProblems(doc: Doc, tasks: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const m of doc.text.matchAll(/(?<![\w.:/-])fl:([a-z][a-z0-9-]*)/g)) {
    const name = `fl:${m[1]}`;
    if (!tasks.has(name)) problems.push(`${doc.file}:${lineOf(doc.text, m.index)}: ${name}`);
  }
  return problems;
}

/** The tasks scripts/tasks/*.ts register: `task("fl:...` and `roundTask(\n  "fl:...`. */
function registeredTasks(root: string): Set<string> {
  const dir = path.join(root, "scripts/tasks");
  const tasks = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
    const source = readFileSync(path.join(dir, name), "utf8");
    for (const m of source.matchAll(/\b(?:task|roundTask)\(\s*["'`](fl:[a-z0-9-]+)["'`]/g)) tasks.add(m[1]);
  }
  return tasks;
}

function packageScripts(root: string): Set<string> {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return new Set(Object.keys(pkg.scripts ?? {}));
}

const blank = (s: string) => s.replace(/[^\n]/g, " ");

/** The text with fenced code blocks blanked out (same length, newlines kept, so lines still count). */
function withoutFences(text: string): string {
  let fence: string | undefined;
  const lines = text.split("\n").map((line) => {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (opener === undefined) return line;
      fence = opener;
      return blank(line);
    }
    if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length && line.trim() === opener) {
      fence = undefined;
    }
    return blank(line);
  });
  return lines.join("\n");
}

/** The text with fenced code blocks and inline code blanked out. */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, blank);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a Markdown text's headings get (a repeated heading gets -1, -2, ...). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of withoutFences(text).split("\n")) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Relative links (`[text](target)`, images, reference definitions) whose file or heading does not exist. */
export function linkProblems(doc: Doc, root: string): string[] {
  const text = withoutCode(doc.text);
  const targets: { target: string; index: number }[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
    targets.push({ target: m[1], index: m.index });
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm))
    targets.push({ target: m[1], index: m.index });

  const problems: string[] = [];
  const here = path.dirname(path.join(root, doc.file));
  for (const { target, index } of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // http:, mailto:, ...
    const [filePart, anchor] = target.split("#", 2) as [string, string | undefined];
    const file = filePart.split("?")[0];
    const where = `${doc.file}:${lineOf(doc.text, index)}: ${target}`;
    let markdown: string | undefined;
    if (file === "") {
      markdown = doc.text; // an anchor in this document
    } else {
      const resolved = path.join(file.startsWith("/") ? root : here, decodeURIComponent(file));
      if (!existsSync(resolved)) {
        problems.push(`${where} (no such file)`);
        continue;
      }
      if (resolved.endsWith(".md") && statSync(resolved).isFile()) markdown = readFileSync(resolved, "utf8");
    }
    if (anchor && markdown !== undefined && !anchors(markdown).has(decodeURIComponent(anchor).toLowerCase())) {
      problems.push(`${where} (no such heading)`);
    }
  }
  return problems;
}

describe("documentation commands and links", () => {
  const docs = documents(ROOT).map((file) => read(ROOT, file));
  const scripts = packageScripts(ROOT);
  const tasks = registeredTasks(ROOT);

  it("reads README.md, docs/*.md and web/README.md, and finds the fl: tasks", () => {
    expect(docs.map((d) => d.file)).toContain("README.md");
    expect(docs.some((d) => d.file.startsWith("docs/"))).toBe(true);
    expect(docs.map((d) => d.file)).toContain("web/README.md");
    expect([...tasks]).toContain("fl:create-task");
    expect([...tasks]).toContain("fl:close-round"); // a roundTask(
  });

  it("names only npm scripts that package.json defines", () => {
    const problems = docs.flatMap((doc) => npmScriptProblems(doc, scripts));
    expect(problems, "npm scripts named in the docs but missing from package.json's scripts").toEqual([]);
  });

  it("names only fl: tasks that scripts/tasks registers", () => {
    const problems = docs.flatMap((doc) => flTaskProblems(doc, tasks));
    expect(problems, `fl: tasks named in the docs but not registered (known: ${[...tasks].sort().join(", ")})`).toEqual(
      [],
    );
  });

  it("links only to files and headings that exist", () => {
    const problems = docs.flatMap((doc) => linkProblems(doc, ROOT));
    expect(problems, "relative links in the docs whose target does not exist").toEqual([]);
  });

  it("catches a wrong script, task, file or heading (the checks can fail)", () => {
    const doc: Doc = {
      file: "docs/example.md",
      text: [
        "Run `npm run demo -- --json` and `npm run no-such-script`, or `npm test`; `npm ci` is npm's own.",
        "```bash",
        "npm run\nlint && npx hardhat fl:no-such-task --task 1 && npx hardhat fl:create-task",
        "```",
        "The `fl:` tasks. See [protocol](protocol.md#threat-model), [gone](no-such-file.md),",
        "[bad heading](protocol.md#no-such-heading), [here](#example), [web](https://example.org/x.md).",
        "Not a link: `[x](missing.md)`.",
        "## Example",
      ].join("\n"),
    };
    expect(npmScriptProblems(doc, scripts)).toEqual(["docs/example.md:1: npm run no-such-script"]);
    expect(npmScriptProblems(doc, new Set(["demo"]))).toEqual([
      "docs/example.md:1: npm run no-such-script",
      "docs/example.md:3: npm run lint",
      "docs/example.md:1: npm test",
    ]);
    expect(flTaskProblems(doc, tasks)).toEqual(["docs/example.md:4: fl:no-such-task"]);
    expect(linkProblems(doc, ROOT)).toEqual([
      "docs/example.md:6: no-such-file.md (no such file)",
      "docs/example.md:7: protocol.md#no-such-heading (no such heading)",
    ]);
  });
});
