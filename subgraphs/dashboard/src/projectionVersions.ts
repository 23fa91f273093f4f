import { isDuplicateKeyError } from '@roombook/kernel';
import type { Collection, Connection } from 'mongoose';

export interface ProjectionVersions {
  /** The version queries read and live events update. */
  readonly active: number;
  /** A version a rebuild is filling from the streams; live events update it too. */
  readonly building: number | null;
}

interface VersionsDocument extends ProjectionVersions {
  _id: 'versions';
}

/**
 * How long a process may act on versions it read: a rebuild waits twice as long after announcing
 * a new version before it reads where the streams end, so every event after that point is
 * applied with the new version known (see rebuildDashboard).
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
    if (document) return { active: document.active, building: document.building };
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

  async switchTo(version: number): Promise<void> {
    await this.documents.updateOne({ _id: 'versions' }, { $set: { active: version, building: null } });
  }
}
