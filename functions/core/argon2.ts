/**
 * hash-wasm's argon2 check alone: imported by a dynamic import() of this module, so that the bundle
 * keeps only it (a dynamic import of the package itself would keep all of hash-wasm, 212 KB).
 */
export { argon2Verify } from 'hash-wasm';
