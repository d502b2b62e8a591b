// Node globals that the resolution library (and its dependencies) use
// without importing them; esbuild injects these into the @uauth/js bundle,
// as the webpack 4 era bundlers of Login with Unstoppable apps did.
import { Buffer } from 'buffer';

export { Buffer };
export const global = globalThis;
