import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPostgresDb } from '../src/db/postgres.js';
import { fillEvents } from './data.js';

const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query('drop database if exists prof32');
await admin.query('create database prof32');
await admin.end();
const db = createPostgresDb({ connectionString: 'postgres://postgres@127.0.0.1:5432/prof32', max: 2, onIdleError: () => {} });
await migrate(db);
const t = Date.now();
await fillEvents(db, 5_000_000, 0.02);
await db.query(`select refresh_sidebar_data('manual', 3600)`, [], { timeoutMs: 600_000 });
await db.query('delete from sidebar_changes');
await db.query('vacuum analyze');
console.log('filled in', Date.now() - t, 'ms');
await db.close();
