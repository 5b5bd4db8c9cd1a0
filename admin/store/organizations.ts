// The organizations table: registration, listing and the agency flag. Only
// agency organizations' keys may hold agency scopes, which the admin checks
// when a key is created; so an organization stops being an agency only when
// none of its active keys holds an agency scope (revoke those first), or the
// flag and the keys' powers would disagree. Organization changes are not in
// the audit log (its actions are key.created and key.revoked).
import type { Clock } from '../../core/clock.js';
import type { SqliteDatabase } from './database.js';
import { toOrganization, type Organization, type OrganizationSql } from './rows.js';

export type AddOrganizationResult =
  { ok: true; organization: Organization; created: boolean } | { ok: false; reason: 'agency_mismatch'; organization: Organization };

export type SetAgencyResult =
  | { ok: true; organization: Organization; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'agency_keys_active'; keyIds: string[] };

export interface Organizations {
  get(id: string): Organization | undefined;
  /** Every organization, by id. */
  list(): Organization[];
  /** Call inside the caller's write transaction. */
  insert(id: string, agency: boolean): void;
  /** Run in an IMMEDIATE transaction. */
  add(id: string, agency: boolean): AddOrganizationResult;
  /** Run in an IMMEDIATE transaction. */
  setAgency(id: string, agency: boolean): SetAgencyResult;
}

export function createOrganizations(db: SqliteDatabase, clock: Clock): Organizations {
  const sql = {
    get: db.prepare('SELECT id, agency, created_at FROM organizations WHERE id = ?'),
    list: db.prepare('SELECT id, agency, created_at FROM organizations ORDER BY id'),
    insert: db.prepare('INSERT INTO organizations (id, agency, created_at) VALUES (?, ?, ?)'),
    setAgency: db.prepare('UPDATE organizations SET agency = ? WHERE id = ?'),
    agencyKeys: db
      .prepare(
        `SELECT id FROM api_keys WHERE organization_id = ? AND status = 'active'
           AND EXISTS (SELECT 1 FROM json_each(api_keys.scopes) WHERE value LIKE 'agency:%') ORDER BY created_at`,
      )
      .pluck(),
  };
  const get = (id: string): Organization | undefined => {
    const row = sql.get.get(id) as OrganizationSql | undefined;
    return row && toOrganization(row);
  };
  const insert = (id: string, agency: boolean): void => void sql.insert.run(id, agency ? 1 : 0, clock.now());

  const addTx = db.transaction((id: string, agency: boolean): AddOrganizationResult => {
    const existing = get(id);
    if (existing) {
      return existing.agency === agency
        ? { ok: true, organization: existing, created: false }
        : { ok: false, reason: 'agency_mismatch', organization: existing };
    }
    insert(id, agency);
    return { ok: true, organization: get(id) as Organization, created: true };
  });

  const setAgencyTx = db.transaction((id: string, agency: boolean): SetAgencyResult => {
    const existing = get(id);
    if (!existing) return { ok: false, reason: 'not_found' };
    if (existing.agency === agency) return { ok: true, organization: existing, changed: false };
    if (!agency) {
      const keyIds = sql.agencyKeys.all(id) as string[];
      if (keyIds.length > 0) return { ok: false, reason: 'agency_keys_active', keyIds };
    }
    sql.setAgency.run(agency ? 1 : 0, id);
    return { ok: true, organization: get(id) as Organization, changed: true };
  });

  return {
    get,
    list: () => (sql.list.all() as OrganizationSql[]).map(toOrganization),
    insert,
    add: (id, agency) => addTx.immediate(id, agency),
    setAgency: (id, agency) => setAgencyTx.immediate(id, agency),
  };
}
