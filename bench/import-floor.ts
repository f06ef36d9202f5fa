/**
 * The floor under the people import on SQLite: the rows of `import-people.ts` (1,000,000 by
 * default, BENCH_ROWS to change), already as the import stores them, inserted with the import's
 * statements (500-row multi-row inserts `or fail`, 5,000-row transactions with foreign keys off)
 * into the app's schema with the import's settings, and nothing else: no file, no parsing, no
 * matching. Whatever the import does on top of this comes out of what is left of its budget.
 *
 *   node bench/import-floor.ts        # BENCH_ROWS=300000 for a quick look
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId } from '../src/lib/ids.ts';
import { PEOPLE_COLUMNS as COLUMNS } from '../src/people/import-write.ts';
import { createWorkspace } from '../src/workspaces/workspaces.service.ts';
import { CITIES, FIRST, LAST } from './lib/customers.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH = 5000;
const CHUNK = 500;
async function run(withNameIndex: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-floor-'));
  const conn = connect({ kind: 'sqlite', file: join(dir, 'vouch.db') });
  try {
    await migrate(conn.db);
    const ws = (await createWorkspace(conn.db, { name: 'Floor', country: 'US' })).id;
    const db = conn.sqlite!;
    if (!withNameIndex) db.exec('drop index people_name');
    // As the import sets them (people.import.ts `tuneImport`, import-write.ts `withoutForeignKeys`).
    db.exec('pragma cache_size = -2000');
    db.exec('pragma wal_autocheckpoint = 10000');
    db.exec('pragma foreign_keys = off');
    const tuple = `(${COLUMNS.map(() => '?').join(',')})`;
    const people = db.prepare(
      `insert or fail into people (${COLUMNS.join(',')}) values ${Array(CHUNK).fill(tuple).join(',')}`,
    );
    const tagStatements = new Map<number, ReturnType<typeof db.prepare>>();
    const tagInsert = (n: number) => {
      let s = tagStatements.get(n);
      if (!s) {
        s = db.prepare(
          `insert or fail into person_tags (workspace_id, person_id, tag) values ${Array(n).fill('(?,?,?)').join(',')}`,
        );
        tagStatements.set(n, s);
      }
      return s;
    };
    const time = { people: 0, tags: 0, commit: 0 };
    const started = performance.now();
    const cpu = process.cpuUsage();
    const now = new Date().toISOString();
    for (let b = 0; b < ROWS; b += BATCH) {
      db.exec('begin');
      for (let c = b; c < Math.min(ROWS, b + BATCH); c += CHUNK) {
        const params: Array<string | null> = [];
        const tags: string[] = [];
        const end = Math.min(ROWS, c + CHUNK);
        for (let i = c; i < end; i++) {
          const first = FIRST[i % FIRST.length]!;
          const [city, region, zip, area] = CITIES[i % CITIES.length]!;
          const email = `${first.toLowerCase()}.${i}@example.com`;
          const id = newId();
          params.push(
            ws,
            id,
            'customer',
            first,
            LAST[(i >> 3) % LAST.length]!,
            null,
            email,
            email,
            `+1${area}${200 + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')}`,
            String(7_000_000_000_000 + i),
            JSON.stringify({
              line1: `${100 + (i % 900)} Main St`,
              line2: '',
              city,
              region,
              postalCode: zip,
              country: 'US',
            }),
            null,
            i % 10 === 0 ? 'Prefers mornings, asks for Sam' : '',
            i % 2 ? now : null,
            i % 2 ? 'Shopify import' : null,
            null,
            now,
            now,
          );
          if (i % 3 === 0) tags.push(ws, id, 'newsletter', ws, id, 'vip');
          else if (i % 3 === 1) tags.push(ws, id, 'walk-in');
        }
        let t = performance.now();
        if (end - c === CHUNK) people.run(...params);
        else
          db.prepare(
            `insert or fail into people (${COLUMNS.join(',')}) values ${Array(end - c)
              .fill(tuple)
              .join(',')}`,
          ).run(...params);
        time.people += performance.now() - t;
        t = performance.now();
        tagInsert(tags.length / 3).run(...tags);
        time.tags += performance.now() - t;
      }
      const t = performance.now();
      db.exec('commit');
      time.commit += performance.now() - t;
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const us = (ms: number) => ((ms * 1000) / ROWS).toFixed(1);
    console.log(
      `  ${withNameIndex ? 'the app schema          ' : 'without the name index  '} ${Math.round(
        ROWS / seconds,
      )
        .toLocaleString('en')
        .padStart(7)} rows/s  ${((used.user + used.system) / ROWS).toFixed(1)} µs CPU/row ` +
        `(inserting the person ${us(time.people)} µs, the tags ${us(time.tags)} µs, committing ${us(time.commit)} µs; ` +
        `load ${loadavg()[0]!.toFixed(1)})`,
    );
  } finally {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `people import floor on SQLite: ${ROWS.toLocaleString('en')} rows inserted as the import inserts them, nothing else; ` +
    `Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`,
);
await run(true);
await run(false);
