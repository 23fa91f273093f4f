/** No server of a needed kind can be found or installed here; the message says what to install or set. */
export class MissingServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingServerError';
  }
}

/** A server was started but did not become ready; the message carries the tail of its log. */
export class ServerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerStartError';
  }
}

/** Building or installing a server binary with Go failed. */
export class ServerInstallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerInstallError';
  }
}

/** A download that failed or got no answer in time; `reason` says which, for the line that explains the fallback. */
export class DownloadFailedError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${reason}`, options);
    this.name = 'DownloadFailedError';
  }
}
