/// <reference types="vite/client" />

/** The operations of the trusted-documents manifest generated at build (see vite.config.ts). */
declare module 'virtual:trusted-documents' {
  const operations: readonly { readonly id: string; readonly name: string }[];
  export default operations;
}
