import { isDuplicateKeyError } from '@roombook/kernel';
import type { Collection, Connection } from 'mongoose';

export interface ProjectionVersions {
  /** The version queries read and live events update. */
  readonly active: number;
  /** A version a rebuild is filling from the streams; live events update it too. */
  readonly building: number | null;
  /**
   * The version queries read before the last switch, for as long as a query may still act on
   * versions read before it (see VERSIONS_CACHE_MS): live events update it too, so it stays
   * whole for them. Absent when there is none.
   */
  readonly retiring?: number;
}

interface VersionsDocument {
  _id: 'versions';
  active: number;
  building: number | null;
  retiring?: number | null;
}

/**
 * How long a process may act on versions it read, consumers and queries alike: a rebuild waits
 * twice as long after announcing a new version before it reads where the streams end, so every
 * event after that point is applied with the new version known, and as long after its switch
 * before live events stop updating the version queries read until then (see rebuildDashboard).
 */
export const VERSIONS_CACHE_MS = 1_000;

/** Which versions of the read model exist: one document, changed only by a rebuild. */
export class ProjectionVersionRegistry {
  private readonly documents: Collection<VersionsDocument>;
  private cached: { versions: ProjectionVersions; readAt: number } | undefined;
  /** A read under way, and when it began. */
  private reading: { done: Promise<ProjectionVersions>; readAt: number } | undefined;

  constructor(database: Connection) {
    this.documents = database.collection<VersionsDocument>('dashboard_projection');
  }

  /**
   * The versions as read at most VERSIONS_CACHE_MS ago. Past half that age they are read again
   * while the cached ones are still answered, so a batch of events seldom waits for the read
   * (measured: it held up a batch about once a second, 22 ms on average and up to 370 ms under load).
   */
  async recent(): Promise<ProjectionVersions> {
    const now = Date.now();
    if (this.cached && now - this.cached.readAt < VERSIONS_CACHE_MS) {
      if (now - this.cached.readAt >= VERSIONS_CACHE_MS / 2) this.readAgain().catch(() => undefined);
      return this.cached.versions;
    }
    return this.readAgain();
  }

  /** Reads the versions, or joins a read under way that began within the bound. */
  private readAgain(): Promise<ProjectionVersions> {
    if (this.reading && Date.now() - this.reading.readAt < VERSIONS_CACHE_MS) return this.reading.done;
    const readAt = Date.now();
    const done = this.current().then((versions) => {
      if (!this.cached || this.cached.readAt < readAt) this.cached = { versions, readAt };
      return versions;
    });
    const reading = { done, readAt };
    this.reading = reading;
    const finished = () => {
      if (this.reading === reading) this.reading = undefined;
    };
    done.then(finished, finished);
    return done;
  }

  async current(): Promise<ProjectionVersions> {
    const document = await this.documents.findOne({ _id: 'versions' });
    if (document) {
      const { active, building, retiring } = document;
      return retiring == null ? { active, building } : { active, building, retiring };
    }
    try {
      await this.documents.insertOne({ _id: 'versions', active: 1, building: null });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return this.current();
  }

  /** Announces a version being built; from now on live events update it as well. */
  async startBuilding(version: number): Promise<void> {
    await this.documents.updateOne({ _id: 'versions' }, { $set: { building: version } });
  }

  /** Queries read `version` from now on; the one they read until now stays updated while it retires. */
  async switchTo(version: number): Promise<void> {
    const { active } = await this.current();
    await this.documents.updateOne(
      { _id: 'versions' },
      { $set: { active: version, building: null, retiring: active } },
    );
  }

  /** Live events stop updating the version queries read before the last switch. */
  async retire(): Promise<void> {
    await this.documents.updateOne({ _id: 'versions' }, { $set: { retiring: null } });
  }
}
