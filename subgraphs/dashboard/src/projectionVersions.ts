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

  constructor(database: Connection) {
    this.documents = database.collection<VersionsDocument>('dashboard_projection');
  }

  /** The versions as read at most VERSIONS_CACHE_MS ago. */
  async recent(): Promise<ProjectionVersions> {
    if (this.cached && Date.now() - this.cached.readAt < VERSIONS_CACHE_MS) return this.cached.versions;
    const readAt = Date.now();
    const versions = await this.current();
    this.cached = { versions, readAt };
    return versions;
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
