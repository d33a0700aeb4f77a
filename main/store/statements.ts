/** Prepared statements cached by their SQL, shared by the stores over one database. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** A base for stores: `q(sql)` prepares a statement once and reuses it. */
export class Statements {
  readonly db: DatabaseSync;
  private readonly stmts = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  protected q(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one transaction (many inserts in one commit are ~100× faster than one each). */
  transaction<T>(fn: () => T): T {
    // Re-entrant: an inner call joins the outer transaction (SQLite has no nested BEGIN).
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
