import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** One input: a file's text, or a request body. */
export interface FeedInput {
  name: string;
  text: string;
}

/** A parsed input: its JSON values, each with where it came from (NDJSON: one per line). */
export interface ParsedInput {
  name: string;
  values: Array<{ value: unknown; position: string }>;
  /** NDJSON lines that are not JSON: reported as rejected records, not a whole-file error. */
  badLines: Array<{ position: string; reason: string }>;
}

export class FeedFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const feedExtensions = new Set(['.json', '.ndjson', '.jsonl']);

/** Expands folders (every .json/.ndjson file inside, recursively, in name order) and reads each file; '-' is stdin. */
export async function readInputs(paths: readonly string[], stdin: () => Promise<string>): Promise<FeedInput[]> {
  const sources: FeedInput[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ name: '<stdin>', text: await stdin() });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch {
      throw new FeedFileError(path, 'no such file or folder');
    }
    if (info.isDirectory()) {
      const entries = (await readdir(path, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && feedExtensions.has(extname(e.name).toLowerCase()))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      for (const file of entries) sources.push({ name: file, text: await readFile(file, 'utf8') });
    } else {
      sources.push({ name: path, text: await readFile(path, 'utf8') });
    }
  }
  return sources;
}

/**
 * A JSON document, or NDJSON (one JSON value per line). A document that fails to parse as
 * JSON but whose first line is a JSON value on its own is read as NDJSON; otherwise the file
 * is malformed and the error names it and where parsing stopped.
 */
export function parseInput(source: FeedInput): ParsedInput {
  const text = source.text.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new FeedFileError(source.name, 'empty input');
  const ndjsonByName = /\.(ndjson|jsonl)$/i.test(source.name);
  if (!ndjsonByName) {
    try {
      return { name: source.name, values: [{ value: JSON.parse(text), position: '$' }], badLines: [] };
    } catch (error) {
      if (!looksLikeNdjson(text)) throw new FeedFileError(source.name, `not valid JSON (${(error as Error).message})`);
    }
  }
  const values: ParsedInput['values'] = [];
  const badLines: ParsedInput['badLines'] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      values.push({ value: JSON.parse(line), position: `line ${i + 1}` });
    } catch (error) {
      badLines.push({ position: `line ${i + 1}`, reason: `not valid JSON (${(error as Error).message})` });
    }
  });
  if (values.length === 0) throw new FeedFileError(source.name, 'no valid JSON line');
  return { name: source.name, values, badLines };
}

function looksLikeNdjson(text: string): boolean {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  try {
    JSON.parse(first);
    return text.trim().includes('\n');
  } catch {
    return false;
  }
}
