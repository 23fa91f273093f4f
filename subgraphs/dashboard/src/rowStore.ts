import { isDuplicateKeyError, type AggregateStore, type TotalCount } from '@roombook/kernel';
import type { Collection, Connection } from 'mongoose';
import { emptyRow, viewOf, type DashboardRow, type RoomDashboardView } from './domain/roomDashboard';
import pLimit from 'p-limit';

/** One revision of a row: inserted, never changed, so the unique _id decides which writer wins. */
interface RevisionDocument {
  /** "<roomId>#<revision, zero-padded>": found by _id alone (the one lookup FerretDB v1 on SQLite does without a scan). */
  _id: string;
  roomId: string;
  revision: number;
  /**
   * The row, as JSON text: stored and read whole, never queried by field. As one string it costs
   * FerretDB one value to convert instead of one per reservation, payment and review it lists
   * (measured: bursts on rooms with 80 reservations drained ~2× faster).
   */
  row: string;
}

/** The row as queries read it: the contract's fields, flat, with what filters and access need. */
export interface RowDocument extends Omit<RoomDashboardView, 'roomId'> {
  _id: string;
  /** The revision copied here; also where a writer starts looking for the latest one. */
  revision: number;
  /** False while no room event has said what the room is: such a row is not shown. */
  visible: boolean;
  /** Lower-cased city, so the city filter ignores case and still uses an index. */
  cityKey: string;
}

export interface RowFilter {
  readonly city?: string | null;
  readonly hostId?: string | null;
  readonly status?: string | null;
}

/**
 * Revisions kept behind the latest one; older ones are deleted, one per change. Few: FerretDB
 * answers a batch's look for newer revisions and its prune (`_id: { $in }`) by reading the whole
 * collection (measured on SQLite, when lookups by _id alone scanned too: 16 kept drained a burst
 * at 104 events/s, 4 at 188, under the same load).
 */
const KEPT_REVISIONS = 4;
const MAX_COPY_ROUNDS = 20;
/**
 * Copies of a batch written at once, each its own command: FerretDB on PostgreSQL applies the
 * statements of one update command one after another, each its own transaction (measured: 40
 * replacements in one command took 2-3× as long as 40 side by side). Not many more: each of its
 * updates holds two of its 50 PostgreSQL connections (the read and the write's transaction), so
 * 50 at once leave every update waiting for a connection (measured: the writes never answered).
 */
const COPIES_AT_ONCE = 8;
/**
 * Up to this many rows, a batch looks for newer revisions and prunes row by row: a lookup or a
 * delete by _id each, COPIES_AT_ONCE at a time, which FerretDB answers from the _id index. Above
 * it, one `_id: { $in }` command each, which FerretDB (no `$in` pushed down) answers by reading
 * the whole revisions collection, whatever the number of ids (every room's kept revisions): on
 * PostgreSQL 25-60 ms each for 50 rooms' (measured at load 6-14). Paid by every batch, that floor
 * kept batches from getting small at a steady rate: each event waits for the batch under way,
 * then for its own. Above a few waves of lookups, one scan costs less (measured on 40 rows: as
 * much of FerretDB's CPU saved as the dashboard's spent on the commands).
 */
export const ROWS_CHECKED_ONE_BY_ONE = 24;
const DUPLICATE_KEY = 11000;

/** A row's next revision, built on the revision `expectedVersion`. */
export interface RowChange {
  readonly next: DashboardRow;
  readonly expectedVersion: number;
}

interface WriteError {
  readonly index: number;
  readonly code: number;
}

/**
 * The rows of one version of the read model (collections dashboard_revisions_v<N> and
 * dashboard_rows_v<N>, so a rebuild writes a new version beside the live one).
 *
 * Concurrency without conditional updates (see the kernel's engine capabilities: FerretDB v1 has
 * none): a row changes by inserting its next revision under a unique _id, the one conditional
 * write every engine makes atomic. Of two processes that build revision n+1, one insert fails and
 * that process decides again on the newer row. A revision carries every fact of a batch, so a
 * row costs one insert per batch of its events, not one per event. The row that queries read is
 * a copy of the latest revision, written after each change and re-checked (see copy), so it
 * converges to the latest revision whatever the interleaving.
 *
 * Every lookup here is by _id: FerretDB v1 on SQLite scans the whole collection for any other
 * filter. The latest revision is found by starting from the one the row copy names and looking
 * at the next ids until one is missing. That is exact because of two rules:
 * - A copy never goes back: it replaces only a copy of an older revision (writeCopy), so a writer
 *   that stalls between its insert and its copy writes nothing once a newer copy is there.
 * - A revision is pruned only KEPT_REVISIONS below a copy already written, so no revision above
 *   the copy is ever missing: the walk from it cannot stop at a pruned id, and a revision inserted
 *   into a pruned slot (built on a long superseded row) is known by the copy being that far past
 *   it (isPrunedSlot).
 *
 * Where conditional writes are atomic (MongoDB) both rules hold as stated. FerretDB v1 answers a
 * conditional replace by reading the copy, then writing it by _id, inside the one command: a copy
 * can still go back when another writer's copy lands between that command's read and its write.
 * The writer of the older copy n then looks for revision n+1 (copy) and copies the newer one. It
 * misses it only if n+1 is pruned by then: another writer's copy of n+1+KEPT_REVISIONS or later
 * must have landed inside that one command, and that writer have looked for a newer revision and
 * pruned before this writer looks. That interleaving alone is not made exact on FerretDB v1 (the
 * copy would stay behind, and a change decided on it could drop the facts above it).
 */
export class RowStore implements AggregateStore<DashboardRow> {
  private readonly revisions: Collection<RevisionDocument>;
  readonly rows: Collection<RowDocument>;

  constructor(
    database: Connection,
    readonly version: number,
  ) {
    this.revisions = database.collection<RevisionDocument>(`dashboard_revisions_v${version}`);
    this.rows = database.collection<RowDocument>(`dashboard_rows_v${version}`);
  }

  /** Indexes of the query paths (on MongoDB; FerretDB v1 on SQLite keeps but does not use them). */
  async ready(): Promise<void> {
    await this.rows.createIndex({ visible: 1, hostId: 1, _id: 1 });
    await this.rows.createIndex({ visible: 1, cityKey: 1, _id: 1 });
    await this.rows.createIndex({ visible: 1, status: 1, _id: 1 });
    await this.revisions.createIndex({ roomId: 1, revision: -1 });
  }

  async drop(): Promise<void> {
    await Promise.all([this.revisions.drop().catch(ignoreMissing), this.rows.drop().catch(ignoreMissing)]);
  }

  /** The latest revision of the room's row; an empty row (revision 0) for a room not seen yet. */
  async findById(roomId: string): Promise<DashboardRow> {
    const latest = (await this.latestRevision(roomId)).latest;
    return latest ? rowOf(latest) : emptyRow(roomId);
  }

  /**
   * Inserts revision `next.version` (one write, however many facts it applies) and copies it to
   * the row queries read. False when another writer has that revision already, or when the copy
   * is far past it (isPrunedSlot: built on a long superseded row, or long built on): the caller
   * decides again on the latest, where applying the same facts is a no-op if they are in.
   */
  async update(next: DashboardRow, expectedVersion: number): Promise<boolean> {
    const document = revisionDocument(next, expectedVersion + 1);
    const revision = document.revision;
    try {
      await this.revisions.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    const view = viewOf(next);
    if (isPrunedSlot(document, await this.writeCopy(document, view))) {
      await this.revisions.deleteOne({ _id: document._id });
      return false;
    }
    await this.copyNewer(document, view);
    if (revision > KEPT_REVISIONS) {
      await this.revisions.deleteOne({ _id: revisionId(next.id, revision - KEPT_REVISIONS) });
    }
    return true;
  }

  /**
   * update() for many rows at once, step by step: an insert of every revision in one command, the
   * copies (one command each, COPIES_AT_ONCE at a time), then the look for newer revisions and the
   * prune (one command each for all the rows, or for a few rows one by one by _id: see
   * ROWS_CHECKED_ONE_BY_ONE), so a batch costs a handful of round trips however many rows it
   * changes. Each row goes through the same steps in the same order as in update(), so the same
   * reasoning holds per row (by _id, its look and prune are update()'s own). Says for
   * each change whether it was written (false: decide again on the stored row, as after update()).
   * `copied` is told each change's index as soon as its copy is written, so a row can be announced
   * readable without waiting for the rest of the batch's copies.
   */
  async updateAll(changes: readonly RowChange[], copied?: (index: number) => void): Promise<boolean[]> {
    const documents = changes.map(({ next, expectedVersion }) => revisionDocument(next, expectedVersion + 1));
    const inserted = await this.insertRevisions(documents);
    const mine = documents.flatMap((document, index) => (inserted[index] ? [{ document, index }] : []));
    const copyLimit = pLimit(COPIES_AT_ONCE);
    const held = await Promise.all(
      mine.map(({ document, index }) =>
        copyLimit(async () => {
          const copy = await this.writeCopy(document, viewOf(changes[index].next));
          if (!isPrunedSlot(document, copy)) copied?.(index);
          return copy;
        }),
      ),
    );
    const fresh = mine.filter(({ document }, at) => !isPrunedSlot(document, held[at]));
    const stale = mine.filter(({ document }, at) => isPrunedSlot(document, held[at]));
    const freshDocuments = fresh.map(({ document }) => document);
    // Independent of each other, so side by side: one round trip.
    await Promise.all([
      this.deleteRevisions(stale.map(({ document }) => document._id)),
      freshDocuments.length <= ROWS_CHECKED_ONE_BY_ONE
        ? this.copyNewerOfEach(freshDocuments)
        : this.copyNewerOfAll(freshDocuments),
      this.prune(freshDocuments),
    ]);
    const written = documents.map(() => false);
    for (const { index } of fresh) written[index] = true;
    return written;
  }

  /** copyNewer() for each of these rows, COPIES_AT_ONCE at a time. */
  private async copyNewerOfEach(copied: readonly RevisionDocument[]): Promise<void> {
    const limit = pLimit(COPIES_AT_ONCE);
    await Promise.all(copied.map((document) => limit(() => this.copyNewer(document, null))));
  }

  /** As in copyNewer(), for many rows: which of them has a newer revision is one query. */
  private async copyNewerOfAll(copied: readonly RevisionDocument[]): Promise<void> {
    if (copied.length === 0) return;
    const newer = await this.revisions
      .find(
        { _id: { $in: copied.map((document) => revisionId(document.roomId, document.revision + 1)) } },
        { projection: { roomId: 1 } },
      )
      .toArray();
    for (const { roomId } of newer) {
      const latest = (await this.latestRevision(roomId)).latest;
      if (latest) await this.copy(latest);
    }
  }

  /** Deletes the revision KEPT_REVISIONS behind each of these, once they are copied. */
  private async prune(copied: readonly RevisionDocument[]): Promise<void> {
    const pruned = copied.filter((document) => document.revision > KEPT_REVISIONS);
    await this.deleteRevisions(
      pruned.map((document) => revisionId(document.roomId, document.revision - KEPT_REVISIONS)),
    );
  }

  /**
   * A few revisions one delete by _id each, COPIES_AT_ONCE at a time; more, in one statement for
   * all (FerretDB on PostgreSQL runs a delete command's statements one by one, a transaction each).
   */
  private async deleteRevisions(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    if (ids.length > ROWS_CHECKED_ONE_BY_ONE) {
      await this.revisions.deleteMany({ _id: { $in: [...ids] } });
      return;
    }
    const limit = pLimit(COPIES_AT_ONCE);
    await Promise.all(ids.map((_id) => limit(() => this.revisions.deleteOne({ _id }))));
  }

  /** Inserts the revisions in one command; false for each whose _id another writer has already. */
  private async insertRevisions(documents: readonly RevisionDocument[]): Promise<boolean[]> {
    const inserted = documents.map(() => true);
    if (documents.length === 0) return inserted;
    try {
      await this.revisions.insertMany([...documents], { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: WriteError | WriteError[] }).writeErrors;
      if (writeErrors === undefined) throw error;
      for (const writeError of [writeErrors].flat()) {
        if (writeError.code !== DUPLICATE_KEY) throw error;
        inserted[writeError.index] = false;
      }
    }
    return inserted;
  }

  /**
   * Makes the row queries read a copy of the latest revision, if it is not one already (a crash
   * between a revision's insert and its copy). Returns the latest revision and its view.
   */
  async materialize(roomId: string): Promise<{ revision: number; view: RoomDashboardView | null }> {
    const { copied, latest } = await this.latestRevision(roomId);
    if (!latest) return { revision: 0, view: null };
    return copied === latest.revision ? { revision: latest.revision, view: viewOf(rowOf(latest)) } : this.copy(latest);
  }

  /** Copies a revision known to be the latest, then any newer one that appeared meanwhile (copyNewer). */
  private async copy(latest: RevisionDocument): Promise<{ revision: number; view: RoomDashboardView | null }> {
    const view = viewOf(rowOf(latest));
    await this.writeCopy(latest, view);
    return this.copyNewer(latest, view);
  }

  /**
   * After `copied` was copied, looks whether a newer revision appeared meanwhile (another
   * process): if so, copies that too, and looks again. The last copy written is therefore always
   * of the latest revision, whatever the interleaving of writers. Returns what it copied last.
   */
  private async copyNewer(
    copied: RevisionDocument,
    view: RoomDashboardView | null,
  ): Promise<{ revision: number; view: RoomDashboardView | null }> {
    let current = { document: copied, view };
    for (let round = 1; round <= MAX_COPY_ROUNDS; round += 1) {
      const { document } = current;
      const newer = await this.revisions.findOne({ _id: revisionId(document.roomId, document.revision + 1) });
      if (!newer) return { revision: document.revision, view: current.view };
      const latest = (await this.latestRevision(document.roomId)).latest ?? newer;
      current = { document: latest, view: viewOf(rowOf(latest)) };
      await this.writeCopy(latest, current.view);
    }
    throw new Error(`The dashboard row of room ${copied.roomId} kept changing while it was copied`);
  }

  /**
   * Makes the row queries read hold `revision`, unless it holds a later one; returns the revision
   * it holds then. The replace matches only a copy of an older revision, and where it matches none
   * its upsert finds the _id taken by a copy at this revision or later. Taken by an older copy too:
   * a first copy written at the same moment, which the next round replaces. FerretDB on SQLite
   * does not push `{ _id, revision }` down, yet measured on 50 and 500 rows such a replace took as
   * long as one by _id alone.
   */
  private async writeCopy(revision: RevisionDocument, view: RoomDashboardView | null): Promise<number> {
    for (let round = 1; round <= MAX_COPY_ROUNDS; round += 1) {
      try {
        await this.rows.replaceOne(
          { _id: revision.roomId, revision: { $lt: revision.revision } },
          rowDocument(revision.revision, view),
          { upsert: true },
        );
        return revision.revision;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const copy = await this.rows.findOne({ _id: revision.roomId }, { projection: { revision: 1 } });
      if (copy && copy.revision >= revision.revision) return copy.revision;
    }
    throw new Error(`The dashboard row of room ${revision.roomId} kept changing while it was copied`);
  }

  async get(roomId: string): Promise<RoomDashboardView | null> {
    const document = await this.rows.findOne({ _id: roomId });
    return document?.visible ? toView(document) : null;
  }

  /** The visible rows of these rooms, in one query. */
  async getMany(roomIds: readonly string[]): Promise<Map<string, RoomDashboardView>> {
    const documents = await this.rows.find({ _id: { $in: [...roomIds] }, visible: true }).toArray();
    return new Map(documents.map((document) => [document._id, toView(document)]));
  }

  /** Rows in room-id order (rooms' ids are ObjectIds: creation order), after the cursor. */
  async list(
    filter: RowFilter,
    limit: number,
    afterRoomId: string | null,
  ): Promise<{ rows: RoomDashboardView[]; totalCount: TotalCount }> {
    const query: Record<string, unknown> = { visible: true };
    if (filter.city) query.cityKey = filter.city.trim().toLowerCase();
    if (filter.hostId) query.hostId = filter.hostId;
    if (filter.status) query.status = filter.status;
    const documents = await this.rows
      .find(afterRoomId ? { ...query, _id: { $gt: afterRoomId } } : query)
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return { rows: documents.map(toView), totalCount: () => this.rows.countDocuments(query) };
  }

  /** Every row, for comparing two versions of the read model. */
  async all(): Promise<RoomDashboardView[]> {
    return (await this.rows.find({ visible: true }).sort({ _id: 1 }).toArray()).map(toView);
  }

  /**
   * The latest revision of a room's row, and the revision its copy holds. Revisions are inserted
   * one after another and none above the copy is pruned (see the class doc), so the latest is
   * found from the copy by looking at the next ids until one is missing.
   */
  private async latestRevision(roomId: string): Promise<{ copied: number; latest: RevisionDocument | null }> {
    const copy = await this.rows.findOne({ _id: roomId }, { projection: { revision: 1 } });
    let latest: RevisionDocument | null = null;
    if (copy) {
      latest = await this.revisions.findOne({ _id: revisionId(roomId, copy.revision) });
      // Pruned: the copy has moved KEPT_REVISIONS on since it was read here.
      if (!latest) return { copied: copy.revision, latest: await this.latestRevisionByScan(roomId) };
    }
    for (;;) {
      const next = await this.revisions.findOne({ _id: revisionId(roomId, (latest?.revision ?? 0) + 1) });
      if (!next) return { copied: copy?.revision ?? 0, latest };
      latest = next;
    }
  }

  private latestRevisionByScan(roomId: string): Promise<RevisionDocument | null> {
    return this.revisions.find({ roomId }).sort({ revision: -1 }).limit(1).next();
  }
}

/**
 * Whether a revision just inserted may sit in the slot of one pruned before, built on a long
 * superseded row: the copy is KEPT_REVISIONS or more past it, as it is once a revision is pruned
 * (see the class doc). A revision in a fresh slot is that far behind only when as many revisions
 * were built on it meanwhile, its facts with them, so treating it the same (deleted, the caller
 * decides again and finds its facts in) loses nothing. A copy at it, or less far past it, is
 * another process's copy of it or of revisions built on it: it stands.
 */
function isPrunedSlot(inserted: RevisionDocument, copy: number): boolean {
  return copy >= inserted.revision + KEPT_REVISIONS;
}

function rowOf(revision: RevisionDocument): DashboardRow {
  return JSON.parse(revision.row) as DashboardRow;
}

function revisionDocument(row: DashboardRow, revision: number): RevisionDocument {
  return { _id: revisionId(row.id, revision), roomId: row.id, revision, row: JSON.stringify(row) };
}

function revisionId(roomId: string, revision: number): string {
  return `${roomId}#${String(revision).padStart(12, '0')}`;
}

function rowDocument(revision: number, view: RoomDashboardView | null): Omit<RowDocument, '_id'> {
  if (!view) return { revision, visible: false } as Omit<RowDocument, '_id'>;
  const { roomId: _roomId, ...fields } = view;
  return { ...fields, revision, visible: true, cityKey: view.city.toLowerCase() };
}

function toView(document: RowDocument): RoomDashboardView {
  const { _id, revision: _revision, visible: _visible, cityKey: _cityKey, ...fields } = document;
  return { roomId: _id, ...fields, averageRating: fields.averageRating ?? null };
}

function ignoreMissing(error: unknown): void {
  if ((error as { codeName?: string }).codeName !== 'NamespaceNotFound') throw error;
}
